"""Prices, amounts charged and commissions, all stored exactly as integers.

- `services.price_cents`: the service's price in centavos (null: no price set).
- `appointments.price_cents`: the price the appointment was booked at, copied from its service
  at booking time (a later price change does not touch it); `appointments.charged_cents`: the
  amount the owner recorded as actually charged (`cobrado #12 50,00`), null until then.
- `professionals.commission_bp`: the professional's commission in basis points (40% is 4000,
  37,5% is 3750), null when none is set.
"""
from peewee import IntegerField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("services", "price_cents", IntegerField(null=True)),
        migrator.add_column("appointments", "price_cents", IntegerField(null=True)),
        migrator.add_column("appointments", "charged_cents", IntegerField(null=True)),
        migrator.add_column("professionals", "commission_bp", IntegerField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("professionals", "commission_bp"),
        migrator.drop_column("appointments", "charged_cents"),
        migrator.drop_column("appointments", "price_cents"),
        migrator.drop_column("services", "price_cents"),
    )
