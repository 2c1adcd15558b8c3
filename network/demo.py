"""The directory's demo data (network/demo/directory.json): the Namur protocol's partners
and a few services, loaded through the services so that the demo has its audit trail."""

from __future__ import annotations

import datetime
import json
import uuid
from pathlib import Path

from django.utils import timezone

from audit.services import diff
from network import services
from network.models import Organisation, Service

DIRECTORY = Path(__file__).resolve().parent / "demo" / "directory.json"
ORGANISATION_DETAILS = ("description", "sector", "municipality", "postcode", "languages")


def load_directory() -> None:
    data = json.loads(DIRECTORY.read_text(encoding="utf-8"))
    for entry in data["organisations"]:
        org = services.upsert_organisation(
            key=entry["key"],
            name=entry["name"],
            abbreviation=entry.get("abbreviation", ""),
            level=entry["level"],
        )
        details = {field: entry[field] for field in ORGANISATION_DETAILS if field in entry}
        details["abbreviations"] = entry.get("abbreviations", {})
        if "parent" in entry:
            details["parent"] = Organisation.objects.get(key=entry["parent"])
        if diff(org, details):  # run again, the demo writes (and audits) nothing
            services.update_organisation(org, details, acting_user=None)
    for entry in data["services"]:
        fields = {k: v for k, v in entry.items() if k not in ("uuid", "organisation", "slots")}
        slots = [
            {
                "weekday": day,
                "opens_at": datetime.time.fromisoformat(opens),
                "closes_at": datetime.time.fromisoformat(closes),
            }
            for day, opens, closes in entry.get("slots", [])
        ]
        service = Service.objects.filter(uuid=entry["uuid"]).first()
        if service is None:
            org = Organisation.objects.get(key=entry["organisation"])
            service = services.create_service(org, fields, slots, acting_user=None)
            Service.objects.filter(pk=service.pk).update(uuid=uuid.UUID(entry["uuid"]))
        elif diff(service, fields) or slots != list(
            service.slots.values("weekday", "opens_at", "closes_at")
        ):
            services.update_service(service, fields, slots, acting_user=None)
    # One entry left unchecked for over a year, so that the demo shows a stale flag.
    Organisation.objects.filter(key="cpas-namur").update(
        verified_at=timezone.now() - datetime.timedelta(days=400)
    )
