"""The directory's demo data (network/demo/directory.json): the Namur protocol's partners
and a few services, loaded through the services so that the demo has its audit trail."""

from __future__ import annotations

import datetime
import json
import uuid
from pathlib import Path

from django.utils import timezone

from audit.services import diff
from network import cache as directory_cache
from network import services
from network.models import CoverageRule, Organisation, Post, PostKind, Protocol, Service
from plans.models import PlanItem

DIRECTORY = Path(__file__).resolve().parent / "demo" / "directory.json"
POSTS = Path(__file__).resolve().parent / "demo" / "posts.json"
ORGANISATION_DETAILS = ("description", "sector", "municipality", "postcode", "languages")
POST_DETAILS = (
    "title",
    "capacity",
    "area",
    "email",
    "legal_role",
    "clearance",
    "clearance_expires_on",
    "is_public",
)
RULE_DETAILS = ("name", "reference", "scope_level", "minimum_total", "minimum_effective")
DEMO_PLAN = "flanders-2017"


def _organisation(entry: dict) -> None:
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


def load_directory() -> None:
    data = json.loads(DIRECTORY.read_text(encoding="utf-8"))
    for entry in data["organisations"]:
        _organisation(entry)
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
    directory_cache.invalidate()  # queryset updates send no signal


def load_posts() -> None:
    """Kinds of post, posts with their holders over time, and coverage rules (after the
    plan and the demo users, so that holders with an account are linked to it)."""
    data = json.loads(POSTS.read_text(encoding="utf-8"))
    for entry in data["organisations"]:
        _organisation(entry)
    for entry in data["kinds"]:
        PostKind.objects.update_or_create(
            key=entry["key"], defaults={"name": entry["name"], "category": entry["category"]}
        )
    for entry in data["posts"]:
        if not Post.objects.filter(uuid=entry["uuid"]).exists():
            _post(entry)
    for entry in data["rules"]:
        kind = PostKind.objects.get(key=entry["kind"])
        if CoverageRule.objects.filter(reference=entry["reference"], kind=kind).exists():
            continue
        fields = {field: entry[field] for field in RULE_DETAILS if field in entry}
        fields["minimum_acting"] = entry.get("minimum_acting", 0)
        if "scope_parent" in entry:
            fields["scope_parent"] = Organisation.objects.get(key=entry["scope_parent"])
        if "scope_measure" in entry:
            fields["scope_measure"] = PlanItem.objects.get(
                plan__slug=DEMO_PLAN, code=entry["scope_measure"]
            )
        owner = Organisation.objects.get(key=entry["owner"])
        services.save_rule(None, {"kind": kind, **fields}, owner=owner, acting_user=None)


def _post(entry: dict) -> None:
    fields = {field: entry[field] for field in POST_DETAILS if field in entry}
    if "clearance_expires_on" in fields:
        fields["clearance_expires_on"] = datetime.date.fromisoformat(fields["clearance_expires_on"])
    fields["kind"] = PostKind.objects.get(key=entry["kind"])
    org = Organisation.objects.get(key=entry["organisation"])
    post = services.create_post(org, fields, acting_user=None)
    Post.objects.filter(pk=post.pk).update(uuid=uuid.UUID(entry["uuid"]))
    for full_name, email, starts_on, ends_on in entry["holders"]:
        services.appoint_person(
            post,
            email=email,
            full_name=full_name,
            phone="",
            starts_on=datetime.date.fromisoformat(starts_on),
            acting_user=None,
        )
        if ends_on:
            services.vacate(post, datetime.date.fromisoformat(ends_on), acting_user=None)


PROTOCOL = Path(__file__).resolve().parent / "demo" / "protocol.json"


def load_protocol() -> None:
    """Namur's protocol of cooperation: its text in our words, fictional signature details
    (the seed gives the signatories, not who signed when), commitments and one review."""
    data = json.loads(PROTOCOL.read_text(encoding="utf-8"))
    protocol, _created = Protocol.objects.update_or_create(
        key=data["key"],
        defaults={
            "title": data["title"],
            "text": data["text"],
            "coordinator": Organisation.objects.get(key=data["coordinator"]),
            "presented_on": datetime.date.fromisoformat(data["presented_on"]),
        },
    )
    for entry in data["signatories"]:
        org = Organisation.objects.get(key=entry["organisation"])
        if protocol.signatories.filter(organisation=org).exists():
            continue  # run again, the demo leaves what people wrote since
        signatory = services.add_signatory(
            protocol,
            org,
            signed_on=datetime.date.fromisoformat(entry["signed_on"]),
            signed_by=entry["signed_by"],
            acting_user=None,
        )
        services.save_commitments(signatory, entry["commitments"], acting_user=None)
        for year, texts in entry.get("reviews", {}).items():
            services.save_review(signatory, int(year), texts, acting_user=None)
