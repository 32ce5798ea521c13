"""Who does the work: professionals, the services they perform, their hours."""
from __future__ import annotations

import peewee

from storage.models import Professional, ProfessionalService


def performing(service_id: int) -> list[Professional]:
    """Active professionals who perform the service (those with no list perform everything)."""
    listed = ProfessionalService.select(ProfessionalService.id).where(
        ProfessionalService.professional == Professional.id)
    performs = listed.where(ProfessionalService.service == service_id)
    return list(Professional.select()
                .where((Professional.active == True)  # noqa: E712
                       & (~peewee.fn.EXISTS(listed) | peewee.fn.EXISTS(performs)))
                .order_by(Professional.id))


def active() -> list[Professional]:
    return list(Professional.select().where(Professional.active == True).order_by(Professional.id))  # noqa: E712


def services_of(professional_id: int) -> list[int]:
    """The service ids a professional is limited to (empty: all services)."""
    return [row.service_id for row in ProfessionalService.select(ProfessionalService.service)
            .where(ProfessionalService.professional == professional_id).order_by(ProfessionalService.position)]


def set_services(professional_id: int, service_ids: list[int]) -> None:
    ProfessionalService.delete().where(ProfessionalService.professional == professional_id).execute()
    if service_ids:
        ProfessionalService.insert_many([{"professional": professional_id, "service": sid, "position": i}
                                         for i, sid in enumerate(service_ids)]).execute()
