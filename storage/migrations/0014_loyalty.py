"""No-show rules and customers who come back (issue 17).

- `users.marketing_consent`, `marketing_consent_at`, `marketing_asked_at`: whether the customer
  wants marketing messages (null: never asked), when they said so, when they were asked.
- `users.marketing_last_at`: when their last marketing message was claimed; the one-a-week cap
  is a conditional update on it.
- `users.no_shows_forgiven_at`: no-shows up to this moment no longer count (the owner's `perdoar`).
- `services.return_days`: the service's return cycle in days (null: none).
- `feedback_answers`: a customer's 1-5 answer about one appointment, one per appointment.
"""
from peewee import BooleanField, DateTimeField, ForeignKeyField, IntegerField, Model, MySQLDatabase, SmallIntegerField


def up(migrator, db):
    settings = ["ENGINE=InnoDB", "DEFAULT CHARSET=utf8mb4"] if isinstance(db, MySQLDatabase) else []

    class User(Model):
        class Meta:
            database = db
            table_name = "users"

    class Appointment(Model):
        class Meta:
            database = db
            table_name = "appointments"

    class FeedbackAnswer(Model):
        appointment = ForeignKeyField(Appointment, unique=True, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="CASCADE")
        score = SmallIntegerField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "feedback_answers"
            table_settings = settings

    db.create_tables([FeedbackAnswer], safe=False)
    migrator.migrate(
        migrator.add_column("users", "marketing_consent", BooleanField(null=True)),
        migrator.add_column("users", "marketing_consent_at", DateTimeField(null=True)),
        migrator.add_column("users", "marketing_asked_at", DateTimeField(null=True)),
        migrator.add_column("users", "marketing_last_at", DateTimeField(null=True)),
        migrator.add_column("users", "no_shows_forgiven_at", DateTimeField(null=True)),
        migrator.add_column("services", "return_days", IntegerField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("services", "return_days"),
        migrator.drop_column("users", "no_shows_forgiven_at"),
        migrator.drop_column("users", "marketing_last_at"),
        migrator.drop_column("users", "marketing_asked_at"),
        migrator.drop_column("users", "marketing_consent_at"),
        migrator.drop_column("users", "marketing_consent"),
        migrator.drop_table("feedback_answers"),
    )
