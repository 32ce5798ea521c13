"""Who does the work: the professionals a service can be booked with."""
from __future__ import annotations

from storage.models import Professional


def performing(service_id: int) -> list[Professional]:
    """Active professionals who perform the service, in a stable order."""
    return list(Professional.select().where(Professional.active == True)  # noqa: E712
                .order_by(Professional.id))
