"""Writes to the network: organisations (more to come with the Network module)."""

from django.db import transaction

from audit.services import record, save_changes
from core import i18n
from network.models import Organisation


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
