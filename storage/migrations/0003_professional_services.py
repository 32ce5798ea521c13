"""Which services each professional performs. A professional with no rows here performs all of
them (so the business's single default professional needs no setup)."""
from peewee import ForeignKeyField, IntegerField, Model, MySQLDatabase


def up(migrator, db):
    settings = ["ENGINE=InnoDB", "DEFAULT CHARSET=utf8mb4"] if isinstance(db, MySQLDatabase) else []

    class Professional(Model):
        class Meta:
            database = db
            table_name = "professionals"

    class Service(Model):
        class Meta:
            database = db
            table_name = "services"

    class ProfessionalService(Model):
        professional = ForeignKeyField(Professional, on_delete="CASCADE")
        service = ForeignKeyField(Service, on_delete="CASCADE")
        position = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "professional_services"
            table_settings = settings
            indexes = ((("professional", "service"), True),)

    db.create_tables([ProfessionalService], safe=False)


def down(migrator, db):
    migrator.migrate(migrator.drop_table("professional_services"))
