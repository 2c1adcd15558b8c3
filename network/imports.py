"""Spreadsheet import of organisations or services into the directory.

All or nothing, like the plan import: every row is checked first, through the same forms as
the pages, and a file with any error changes nothing; the errors come back as "Row 7: …"
(the header is row 1) in the user's language. Organisations are matched by key, services
by uuid (an empty uuid adds a service).

Only the columns in the file change anything: a column left out keeps the stored value (or
the default, for a new entry). An empty cell empties a text; in a choice or yes/no column it
keeps the value as it is. Lists of codes (languages, target_groups, channels) are separated
by commas or spaces, the municipalities of `areas` by semicolons. An import is not a
verification: the entries keep their last verification date.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.i18n import content_languages
from core.spreadsheets import ImportFileError, read_numbered_rows
from network import services
from network.forms import OrganisationForm, ServiceForm
from network.models import Organisation, Service

KINDS = ("organisations", "services")
# The import runs within the request: 5,000 rows take about 6–9 s on SQLite, well inside a
# 30 s server timeout (20,000 took 23–35 s). Larger files: split them.
MAX_ROWS = 5_000
MAX_ERRORS = 500  # beyond that, more messages help nobody fix the file
BOOLEAN_COLUMNS = {"is_public", "free_of_charge"}
CHOICE_COLUMNS = {"level", "sector", "status", "intake"}
CODE_LIST_COLUMNS = {"languages", "target_groups", "channels"}
YES = {"yes", "true", "1", "ja", "oui", "y"}
NO = {"no", "false", "0", "nee", "non", "nein", "n"}
ORGANISATION_DEFAULTS: dict[str, Any] = {
    "sector": "other",
    "level": "other",
    "languages": [],
    "is_public": True,
}
SERVICE_DEFAULTS: dict[str, Any] = {
    "status": "active",
    "intake": "open",
    "free_of_charge": True,
    "is_public": True,
}


def _per_language(name: str) -> list[str]:
    return [f"{name}_{code}" for code in content_languages()]


def organisation_columns() -> list[str]:
    """The columns of an organisations file, in the template's order."""
    return [
        "key",
        *_per_language("name"),
        "abbreviation",
        "level",
        "sector",
        "parent",
        "kbo_number",
        "street",
        "postcode",
        "municipality",
        "website",
        "email",
        "phone",
        "languages",
        "is_public",
        *_per_language("description"),
    ]


def service_columns() -> list[str]:
    """The columns of a services file, in the template's order."""
    return [
        "organisation",
        "uuid",
        *[column for name in ServiceForm.TRANSLATED for column in _per_language(name)],
        "status",
        "target_groups",
        "minimum_age",
        "maximum_age",
        "areas",
        "channels",
        "languages",
        "intake",
        "waiting_weeks",
        "free_of_charge",
        "contact_name",
        "email",
        "phone",
        "website",
        "street",
        "postcode",
        "municipality",
        "is_public",
    ]


def columns(kind: str) -> list[str]:
    return organisation_columns() if kind == "organisations" else service_columns()


@dataclass
class ImportResult:
    """What an import did, or why it did nothing."""

    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Entry:
    """A checked row: the entry it changes (None: a new one) and its new field values."""

    target: Any
    data: dict[str, Any]
    key: str = ""  # the organisation's key (organisations) or owner's key (services)
    parent: str | None = None  # the parent's key, "" for none; None: leave it as it is


Problem = tuple[str | None, str]  # (column, message)


def import_directory(kind: str, filename: str, content: bytes, *, acting_user) -> ImportResult:
    """Check every row of the file, then apply them all in one transaction if none has an
    error. Messages are in the active language."""
    if kind not in KINDS:
        raise ValueError(kind)
    required = {"key"} if kind == "organisations" else {"organisation"}
    try:
        rows = read_numbered_rows(
            filename, content, required=required, allowed=columns(kind), max_rows=MAX_ROWS
        )
    except ImportFileError as error:
        return ImportResult(errors=[str(error)])
    if not rows:
        return ImportResult(errors=[_("The file holds no rows below the header.")])
    checker = OrganisationRows() if kind == "organisations" else ServiceRows(rows)
    entries: list[Entry] = []
    errors: list[str] = []
    for number, raw in rows:
        entry, problems = checker.check({k: v.strip() for k, v in raw.items()})
        errors.extend(_row_message(number, column, message) for column, message in problems)
        if entry is not None:
            entries.append(entry)
    if errors:
        if len(errors) > MAX_ERRORS:
            errors = [
                *errors[:MAX_ERRORS],
                _("Only the first %(max)s errors are shown.") % {"max": MAX_ERRORS},
            ]
        return ImportResult(errors=errors)
    return _apply(kind, filename, entries, acting_user)


def _row_message(number: int, column: str | None, message: str) -> str:
    if column is None:
        return _("Row %(row)s: %(message)s") % {"row": number, "message": message}
    return _("Row %(row)s, column %(column)s: %(message)s") % {
        "row": number,
        "column": column,
        "message": message,
    }


def _form_data(initial: dict[str, Any], raw: dict[str, str], fields) -> tuple[dict, list]:
    """The form's data: the stored (or default) values overridden by the row's cells."""
    data, problems = dict(initial), []
    for column, value in raw.items():
        if column not in fields:
            continue
        if column in BOOLEAN_COLUMNS:
            if value.lower() in YES | NO:
                data[column] = value.lower() in YES
            elif value:
                problems.append((column, _("Write yes or no.")))
        elif column in CHOICE_COLUMNS:
            if value:
                data[column] = value.lower()
        elif column in CODE_LIST_COLUMNS:
            data[column] = [code for code in re.split(r"[,;\s]+", value.lower()) if code]
        elif column == "areas":
            data[column] = ", ".join(part.strip() for part in value.split(";"))
        else:
            data[column] = value
    return data, problems


def _form_problems(form: forms.Form) -> list[Problem]:
    return [
        (None if name == NON_FIELD_ERRORS else name, str(message))
        for name, messages in form.errors.items()
        for message in messages
    ]


def _clean(field: forms.Field, value: str, column: str, problems: list[Problem]) -> Any:
    try:
        return field.clean(value)
    except ValidationError as error:
        problems.extend((column, message) for message in error.messages)
        return None


class OrganisationRows:
    """Checks organisation rows against the stored directory and the rows above."""

    def __init__(self) -> None:
        self.stored = {org.key: org for org in Organisation.objects.select_related("parent")}
        self.parents = {
            key: org.parent.key if org.parent else "" for key, org in self.stored.items()
        }
        self.seen: set[str] = set()
        self.fields = set(OrganisationForm().fields)

    def check(self, raw: dict[str, str]) -> tuple[Entry | None, list[Problem]]:
        problems: list[Problem] = []
        key = _clean(forms.SlugField(max_length=80), raw["key"], "key", problems)
        if key in self.seen:
            problems.append(("key", _("The key %(key)s appears twice.") % {"key": key}))
        org = self.stored.get(key) if key else None
        initial = OrganisationForm.initial_from(org) if org else ORGANISATION_DEFAULTS
        data, value_problems = _form_data(initial, raw, self.fields)
        problems += value_problems
        form = OrganisationForm(data)
        problems += _form_problems(form)
        abbreviation = org.abbreviation if org else ""
        if "abbreviation" in raw:
            abbreviation = _clean(
                forms.CharField(max_length=40, required=False),
                raw["abbreviation"],
                "abbreviation",
                problems,
            )
        parent = self._parent(key, raw, problems)
        if not key or key in self.seen:
            return None, problems
        self.seen.add(key)
        if parent is not None:
            self.parents[key] = parent
        elif org is None:
            self.parents[key] = ""
        if problems:
            return None, problems
        values = {**form.organisation_data(), "abbreviation": abbreviation}
        return Entry(target=org, data=values, key=key, parent=parent), problems

    def _parent(self, key: str | None, raw: dict[str, str], problems: list[Problem]):
        if "parent" not in raw:
            return None
        parent = raw["parent"]
        if parent and parent not in self.parents:
            problems.append(
                ("parent", _("Unknown parent organisation: %(key)s.") % {"key": parent})
            )
            return None
        if parent and key and self._is_under(parent, key):
            problems.append(("parent", _("An organisation cannot sit under itself.")))
            return None
        return parent

    def _is_under(self, start: str, key: str) -> bool:
        """Whether `key` is `start` or one of its ancestors' keys."""
        node, visited = start, set()
        while node and node not in visited:
            if node == key:
                return True
            visited.add(node)
            node = self.parents.get(node, "")
        return False


class ServiceRows:
    """Checks service rows: their organisation, the service a uuid names, the form."""

    def __init__(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        self.orgs = dict(Organisation.objects.values_list("key", "pk"))
        self.fields = set(ServiceForm().fields)
        wanted = set()
        for _number, raw in rows:
            try:
                wanted.add(uuid.UUID((raw.get("uuid") or "").strip()))
            except ValueError:
                continue
        found = list(wanted)
        self.stored: dict[uuid.UUID, Service] = {}
        for start in range(0, len(found), 500):
            chunk = Service.objects.filter(uuid__in=found[start : start + 500])
            self.stored.update({service.uuid: service for service in chunk})
        self.seen: set[uuid.UUID] = set()

    def check(self, raw: dict[str, str]) -> tuple[Entry | None, list[Problem]]:
        problems: list[Problem] = []
        key = raw["organisation"]
        org_id = self.orgs.get(key)
        if not key:
            problems.append(("organisation", _("The organisation is missing.")))
        elif org_id is None:
            problems.append(("organisation", _("Unknown organisation: %(key)s.") % {"key": key}))
        service = self._service(org_id, raw.get("uuid", ""), problems)
        initial = ServiceForm.initial_from(service) if service else SERVICE_DEFAULTS
        data, value_problems = _form_data(initial, raw, self.fields)
        problems += value_problems
        form = ServiceForm(data)
        problems += _form_problems(form)
        if problems:
            return None, problems
        return Entry(target=service, data=form.service_data(), key=key), problems

    def _service(self, org_id, text: str, problems: list[Problem]) -> Service | None:
        if not text:
            return None
        found = _clean(forms.UUIDField(), text, "uuid", problems)
        if found is None:
            return None
        if found in self.seen:
            problems.append(("uuid", _("The service %(uuid)s appears twice.") % {"uuid": found}))
            return None
        self.seen.add(found)
        service = self.stored.get(found)
        if org_id is not None and (service is None or service.organisation_id != org_id):
            problems.append(
                ("uuid", _("%(uuid)s is not a service of this organisation.") % {"uuid": found})
            )
            return None
        return service


def _apply(kind: str, filename: str, entries: list[Entry], acting_user) -> ImportResult:
    result = ImportResult()
    with transaction.atomic():
        orgs = {org.key: org for org in Organisation.objects.all()}
        for entry in entries:
            if kind == "organisations":
                data = dict(entry.data)
                if entry.parent is not None:
                    data["parent"] = orgs[entry.parent] if entry.parent else None
                org, changed = services.save_imported_organisation(
                    entry.target, entry.key, data, acting_user=acting_user
                )
                orgs[entry.key] = org
            else:
                _service, changed = services.save_imported_service(
                    orgs[entry.key], entry.target, entry.data, acting_user=acting_user
                )
            if entry.target is None:
                result.created += 1
            elif changed:
                result.updated += 1
            else:
                result.unchanged += 1
        services.record_directory_import(
            kind,
            filename,
            {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
            acting_user=acting_user,
        )
    return result
