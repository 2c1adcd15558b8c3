"""Writes to the directory, each with its audit event in the same transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.services import record, save_changes
from core import i18n
from network.models import OpeningSlot, Organisation, Service


def upsert_organisation(
    *, key: str, name: dict, abbreviation: str = "", level: str = "other", acting_user=None
) -> Organisation:
    """Create or update an organisation by key, with its audit event."""
    with transaction.atomic():
        org = Organisation.objects.filter(key=key).first()
        new_values = {
            "name": i18n.clean_translations(name),
            "abbreviation": abbreviation,
            "level": level,
        }
        if org is None:
            org = Organisation(key=key, **new_values)
            org.refresh_search_text()
            org.save()
            record(
                "organisation.created",
                actor=acting_user,
                target=org,
                changes={field: [None, value] for field, value in new_values.items()},
            )
            return org
        save_changes(
            org,
            new_values,
            action="organisation.updated",
            actor=acting_user,
            before_save=org.refresh_search_text,
        )
        return org


def update_organisation(org: Organisation, data: dict, *, acting_user) -> Organisation:
    """Save an editor's changes. Saving counts as a verification: the editor has just
    looked at every field."""
    with transaction.atomic():
        save_changes(
            org,
            data,
            action="organisation.updated",
            actor=acting_user,
            before_save=org.refresh_search_text,
        )
        _verify(org, "organisation.verified", acting_user)
    return org


def verify_organisation(org: Organisation, *, acting_user) -> Organisation:
    """The editor confirms the entry is still right, without changing it."""
    with transaction.atomic():
        _verify(org, "organisation.verified", acting_user)
    return org


def verify_service(service: Service, *, acting_user) -> Service:
    with transaction.atomic():
        _verify(service, "service.verified", acting_user)
    return service


def _verify(entry: Organisation | Service, action: str, acting_user) -> None:
    entry.verified_at = timezone.now()
    entry.verified_by = acting_user
    entry.save(update_fields=["verified_at", "verified_by"])
    record(action, actor=acting_user, target=entry)


def create_service(org: Organisation, data: dict, slots: list[dict], *, acting_user) -> Service:
    with transaction.atomic():
        service = Service(organisation=org, **data)
        service.refresh_search_text()
        service.save()
        _replace_slots(service, slots)
        record(
            "service.created",
            actor=acting_user,
            target=service,
            changes={
                **{field: [None, value] for field, value in data.items()},
                "slots": [None, _slot_labels(slots)],
            },
        )
        _verify(service, "service.verified", acting_user)
    return service


def update_service(service: Service, data: dict, slots: list[dict], *, acting_user) -> Service:
    with transaction.atomic():
        save_changes(
            service,
            data,
            action="service.updated",
            actor=acting_user,
            before_save=service.refresh_search_text,
        )
        stored = service.slots.values("weekday", "opens_at", "closes_at")
        before = _slot_labels([dict(slot) for slot in stored])
        after = _slot_labels(slots)
        if before != after:
            _replace_slots(service, slots)
            record(
                "service.hours_changed",
                actor=acting_user,
                target=service,
                changes={"slots": [before, after]},
            )
        _verify(service, "service.verified", acting_user)
    return service


def _replace_slots(service: Service, slots: list[dict]) -> None:
    service.slots.all().delete()
    OpeningSlot.objects.bulk_create(OpeningSlot(service=service, **slot) for slot in slots)


def _slot_labels(slots: list[dict]) -> list[str]:
    return [
        f"{s['weekday']} {s['opens_at']:%H:%M}-{s['closes_at']:%H:%M}"
        for s in sorted(slots, key=lambda s: ("MOTUWETHFRSASU".index(s["weekday"]), s["opens_at"]))
    ]
