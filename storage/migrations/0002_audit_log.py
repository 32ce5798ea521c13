"""The audit log: every admin action, who did it, when, and on which appointment."""
from peewee import CharField, DateTimeField, IntegerField, Model, MySQLDatabase, TextField


def up(migrator, db):
    settings = ["ENGINE=InnoDB", "DEFAULT CHARSET=utf8mb4"] if isinstance(db, MySQLDatabase) else []

    class AuditLog(Model):
        actor = CharField(max_length=20)
        action = CharField(max_length=32)
        detail = TextField(null=True)
        appointment_id = IntegerField(null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "audit_log"
            table_settings = settings
            indexes = ((("created_at",), False), (("appointment_id",), False))

    db.create_tables([AuditLog], safe=False)


def down(migrator, db):
    migrator.migrate(migrator.drop_table("audit_log"))
