"""The public directory as Open Referral HSDS 3.0 JSON, one dataset per language.

HSDS text fields hold a single language, so `build_dataset(language)` picks every text in that
language (with the usual nl → fr → en → de fallback) and renders our choice labels (target
groups, channels, intake) with that language active. A dataset holds three lists of HSDS
objects: organizations, services and service_at_locations.

Mapping choices:

- Only what the public directory shows: public organisations, and public services (active or
  inactive) of public organisations. A parent organisation that is not public is not named.
  Nothing about the people who verified an entry leaves the database; a service's contact
  person is a public contact and is exported.
- Ids: organisations and services keep their own uuid. Everything else (locations, addresses,
  phones, contacts, schedules, languages, service areas, identifiers, service_at_location) gets
  a uuid5 of NAMESPACE and its parent's uuid, so every export gives the same ids.
- Optional fields are left out when empty. Websites and e-mail addresses are checked before
  they are written: IRIs are percent-encoded, internationalised mail domains are written in
  punycode, and a value that still is no valid URI / e-mail address is dropped, so a bad value
  in the database never makes the dataset invalid. The required description of an
  organisation falls back to its name.
- The KBO/BCE enterprise number is an organization_identifier of the org-id.guide scheme
  BE-BCE_KBO, written as its ten digits (and left out when its check digits are wrong).
- An address becomes a physical location when it has a street, a postcode and a municipality.
  HSDS requires a state_province: we derive the ISO 3166-2 province (or BE-BRU for the
  Brussels region) from the postcode. A service without an address of its own is delivered at
  its organisation's location; a service with no location at all gets no service_at_location.
- Eligibility, application process, fees and wait time (deprecated in HSDS 3.0 but still
  useful) are short sentences built from the structured fields. Ages are also given as
  minimum_age / maximum_age.
- Each weekly opening slot is a WEEKLY schedule for its day. opens_at / closes_at are the local
  wall-clock times of Brussels as HH:MM: a fixed UTC offset cannot describe a weekly schedule
  across daylight saving time. The note about the opening hours is the schedule description
  (or a schedule on its own when there are no slots).
- assured_date is the date of the last verification, last_modified the service's last change.
"""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone, translation
from django.utils.encoding import iri_to_uri
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext

from core.i18n import pick
from network import access
from network.models import (
    LANGUAGE_CHOICES,
    Channel,
    Intake,
    Organisation,
    Service,
    TargetGroup,
    validate_kbo,
)

Json = dict[str, Any]

# Never change it: the ids of the sub-objects derive from it.
NAMESPACE = uuid.UUID("a6b00787-5026-4944-8139-38777f7a6478")

# The last postcode of each range and the ISO 3166-2 code of its province (or region).
PROVINCES = [
    (1299, "BE-BRU"),
    (1499, "BE-WBR"),
    (1999, "BE-VBR"),
    (2999, "BE-VAN"),
    (3499, "BE-VBR"),
    (3999, "BE-VLI"),
    (4999, "BE-WLG"),
    (5999, "BE-WNA"),
    (6599, "BE-WHT"),
    (6999, "BE-WLX"),
    (7999, "BE-WHT"),
    (8999, "BE-VWV"),
    (9999, "BE-VOV"),
]

# RFC 3986 characters, percent-escapes well formed, at most one "#" (no IP-literal hosts).
_URI_PART = r"(?:[\w\-.~:/?@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
URI_CHARACTERS = re.compile(rf"{_URI_PART}(?:#{_URI_PART})?", re.ASCII)


def build_dataset(language: str) -> Json:
    """The public organisations, services and service_at_locations in one language."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"No dataset language {language!r}")
    # What the public may see, through the directory's access functions.
    public = AnonymousUser()
    organisations = access.visible_organisations(public).select_related("parent")
    services = (
        access.visible_services(public).select_related("organisation").prefetch_related("slots")
    )
    with translation.override(language):
        service_list = list(services)
        return {
            "language": language,
            "organizations": [_organization(org, language) for org in organisations],
            "services": [_service(service, language) for service in service_list],
            "service_at_locations": [
                link
                for service in service_list
                if (link := _service_at_location(service, language)) is not None
            ],
        }


def _organization(org: Organisation, language: str) -> Json:
    org_id = str(org.uuid)
    name = _organisation_name(org, language)
    alternate_name = org.abbreviations.get(language) or org.abbreviation
    parent = org.parent if org.parent and org.parent.is_public else None
    location = _location(org, name, org_id)
    return _compact(
        {"id": org_id, "name": name, "description": pick(org.description, language) or name},
        alternate_name=alternate_name if alternate_name != name else None,
        email=_email(org.email),
        website=_uri(org.website),
        parent_organization_id=str(parent.uuid) if parent else None,
        organization_identifiers=_identifiers(org),
        locations=[location] if location else None,
        phones=_phones(org.uuid, org.phone, organization_id=org_id),
    )


def _identifiers(org: Organisation) -> list[Json]:
    """The enterprise number, as ten digits, when its check digits are right."""
    try:
        validate_kbo(org.kbo_number)
    except ValidationError:
        return []
    return [
        {
            "id": _sub_id(org.uuid, "identifier", "BE-BCE_KBO"),
            "organization_id": str(org.uuid),
            "identifier_scheme": "BE-BCE_KBO",
            "identifier_type": gettext("Enterprise number"),
            "identifier": "".join(ch for ch in org.kbo_number if ch.isdigit()),
        }
    ]


def _service(service: Service, language: str) -> Json:
    service_id = str(service.uuid)
    link = {"service_id": service_id}
    language_names = dict(LANGUAGE_CHOICES)
    verified = service.verified_at
    modified = service.updated_at.astimezone(datetime.UTC).isoformat(timespec="milliseconds")
    contact = {"id": _sub_id(service.uuid, "contact"), **link, "name": service.contact_name}
    return _compact(
        {"id": service_id, "name": pick(service.name, language), "status": service.status},
        organization_id=str(service.organisation.uuid),
        description=pick(service.description, language),
        url=_uri(service.website),
        email=_email(service.email),
        eligibility_description=_eligibility(service),
        minimum_age=service.minimum_age,
        maximum_age=service.maximum_age,
        application_process=_application_process(service, language),
        fees_description=_fees(service, language),
        wait_time=_wait_time(service),
        assured_date=timezone.localdate(verified).isoformat() if verified else None,
        last_modified=modified.replace("+00:00", "Z"),
        languages=[
            _compact(
                {"id": _sub_id(service.uuid, "language", code), **link, "code": code},
                name=str(language_names.get(code, "")),
            )
            for code in dict.fromkeys(service.languages)
        ],
        service_areas=[
            {"id": _sub_id(service.uuid, "area", area), **link, "name": area}
            for area in dict.fromkeys(service.areas)
            if area
        ],
        schedules=_schedules(service, language),
        phones=_phones(service.uuid, service.phone, **link),
        contacts=[contact] if service.contact_name else None,
    )


def _service_at_location(service: Service, language: str) -> Json | None:
    """Where the service is delivered: its own address, else its organisation's."""
    org = service.organisation
    if service.street or service.postcode or service.municipality:
        location = _location(service, pick(service.name, language), str(org.uuid))
    else:
        location = _location(org, _organisation_name(org, language), str(org.uuid))
    if location is None:
        return None
    return {
        "id": _sub_id(service.uuid, "service_at_location"),
        "service_id": str(service.uuid),
        "location_id": location["id"],
        "location": location,
    }


def _location(owner: Organisation | Service, name: str, organization_id: str) -> Json | None:
    if not (owner.street and owner.postcode and owner.municipality):
        return None
    location_id = _sub_id(owner.uuid, "location")
    address = {
        "id": _sub_id(owner.uuid, "address"),
        "location_id": location_id,
        "address_1": owner.street,
        "city": owner.municipality,
        "postal_code": owner.postcode,
        "state_province": _province(owner.postcode),
        "country": "BE",
        "address_type": "physical",
    }
    return _compact(
        {"id": location_id, "location_type": "physical", "organization_id": organization_id},
        name=name,
        addresses=[address],
    )


def _schedules(service: Service, language: str) -> list[Json]:
    note = pick(service.hours_note, language)
    schedules = [
        _compact(
            {
                "id": _sub_id(service.uuid, "schedule", slot.pk),
                "service_id": str(service.uuid),
                "freq": "WEEKLY",
                "byday": slot.weekday,
                "opens_at": f"{slot.opens_at:%H:%M}",
                "closes_at": f"{slot.closes_at:%H:%M}",
            },
            description=note,
        )
        for slot in service.slots.all()
    ]
    if not schedules and note:
        schedules = [
            {
                "id": _sub_id(service.uuid, "schedule"),
                "service_id": str(service.uuid),
                "description": note,
            }
        ]
    return schedules


def _phones(owner: uuid.UUID, number: str, **link: str) -> list[Json]:
    return [{"id": _sub_id(owner, "phone"), **link, "number": number}] if number else []


def _eligibility(service: Service) -> str:
    labels = dict(TargetGroup.choices)
    groups = [str(labels[code]) for code in service.target_groups if code in labels]
    parts = [f"{capfirst(gettext('for whom'))}: {', '.join(groups)}."] if groups else []
    low, high = service.minimum_age, service.maximum_age
    if low is not None and high is not None:
        parts.append(gettext("From %(low)d to %(high)d years old.") % {"low": low, "high": high})
    elif low is not None:
        parts.append(gettext("From %(low)d years old.") % {"low": low})
    elif high is not None:
        parts.append(gettext("Up to %(high)d years old.") % {"high": high})
    return " ".join(parts)


def _application_process(service: Service, language: str) -> str:
    labels = dict(Channel.choices)
    channels = [str(labels[code]) for code in service.channels if code in labels]
    parts = [f"{capfirst(gettext('how to refer'))}: {', '.join(channels)}."] if channels else []
    for heading, values in (
        (gettext("conditions"), service.conditions),
        (gettext("information needed"), service.information_needed),
    ):
        if text := pick(values, language):
            parts.append(f"{capfirst(heading)}: {text}")
    return "\n\n".join(parts)


def _fees(service: Service, language: str) -> str:
    parts = [f"{capfirst(gettext('free of charge'))}."] if service.free_of_charge else []
    if text := pick(service.fees, language):
        parts.append(text)
    return " ".join(parts)


def _wait_time(service: Service) -> str:
    label = str(dict(Intake.choices).get(service.intake, ""))
    weeks = service.waiting_weeks
    if service.intake == Intake.WAITING_LIST and weeks is not None:
        about = ngettext("about %(weeks)d week", "about %(weeks)d weeks", weeks)
        return f"{label}: {about % {'weeks': weeks}}"
    return label


def _organisation_name(org: Organisation, language: str) -> str:
    return pick(org.name, language) or org.abbreviation or org.key


def _province(postcode: str) -> str:
    if len(postcode) == 4 and postcode.isascii() and postcode.isdigit() and postcode >= "1000":
        return next(code for last, code in PROVINCES if int(postcode) <= last)
    return ""


def _uri(value: str) -> str | None:
    """The address as an RFC 3986 URI, or None when it cannot be one."""
    try:
        URLValidator()(value)
    except ValidationError:
        return None
    uri = iri_to_uri(value)
    return uri if URI_CHARACTERS.fullmatch(uri) else None


def _email(value: str) -> str | None:
    """The address with its domain in ASCII (punycode), or None when it is not valid."""
    try:
        EmailValidator()(value)
        local, _at, domain = value.rpartition("@")
        address = f"{local}@{domain.encode('idna').decode('ascii')}"
    except (ValidationError, UnicodeError):
        return None
    return address if address.isascii() else None


def _sub_id(parent: uuid.UUID, *parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(part) for part in (parent, *parts))))


def _compact(required: Json, **optional: Any) -> Json:
    """The required fields, and the optional ones that have a value."""
    return required | {key: value for key, value in optional.items() if value not in (None, "", [])}
