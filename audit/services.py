"""Writing the audit trail. Called by services inside their transaction, never by signals."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Required, TypedDict

from django.db import connections, models, router

from audit.models import AuditEvent
from core import request_context


def _plain(value: Any) -> Any:
    """JSON-safe form of a field value for the changes column."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def _target(target: models.Model | tuple[str, Any] | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        return target[0], str(target[1])
    return target._meta.label_lower, str(target.pk)


def record(
    action: str,
    *,
    actor=None,
    target: models.Model | tuple[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    via: str = "",
    subject: Any = "",
) -> AuditEvent:
    """Append one audit event. Request id and IP come from the current request, if any.
    `subject` is the person whose data was read or written (their uuid), if any."""
    event = _build(
        action,
        actor=actor,
        target=target,
        changes=changes,
        reason=reason,
        via=via,
        subject=subject,
    )
    event.save(force_insert=True)
    return event


class EventData(TypedDict, total=False):
    """One event for record_many: the keyword arguments of record(), with the action."""

    action: Required[str]
    actor: Any
    target: models.Model | tuple[str, Any] | None
    changes: dict[str, Any] | None
    reason: str
    via: str
    subject: Any


def record_many(events: Iterable[EventData]) -> int:
    """Append several audit events in one INSERT, each built as record() builds it (the
    same request id and IP). For a service that writes many at once, such as a purge.
    Returns the number of events written."""
    built = [_build(**event) for event in events]
    AuditEvent.objects.bulk_create(built)
    return len(built)


def _build(
    action: str,
    *,
    actor=None,
    target: models.Model | tuple[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    via: str = "",
    subject: Any = "",
) -> AuditEvent:
    target_type, target_id = _target(target)
    event = _event(action, actor, target_type, target_id, reason, via, subject)
    event.changes = {k: [_plain(v) for v in pair] for k, pair in (changes or {}).items()}
    return event


def _event(action, actor, target_type, target_id, reason, via, subject) -> AuditEvent:
    ctx = request_context.current()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent(
        actor=actor if authenticated else None,
        actor_label=actor.email if authenticated else "",
        organisation_id=getattr(actor, "organisation_id", None) if authenticated else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        subject=str(subject or ""),
        reason=reason,
        request_id=ctx.request_id if ctx else "",
        ip=ctx.ip if ctx else None,
        via=via,
    )


def record_person_reads(
    action: str,
    *,
    actor,
    target_type: str,
    rows: Iterable[tuple[Any, Any]],
    reason: str = "",
    via: str = "",
) -> int:
    """One event per (target id, person) a list or search showed, in one INSERT, so that
    each person's disclosure log says in which lists they appeared."""
    pairs = [(str(target_id), str(subject or "")) for target_id, subject in rows]
    if pairs:
        _insert_alike(_event(action, actor, target_type, "", reason, via, ""), pairs)
    return len(pairs)


_VARYING = ("target_id", "subject")
_ROWS_PER_INSERT = 100


def _insert_alike(template: AuditEvent, pairs: list[tuple[str, str]]) -> None:
    """INSERT events equal to `template` but for their target id and subject. Each shared
    value is prepared for the database once: bulk_create would build a model and prepare
    every field of every row: a fifth of the case list's time in a profile (bench/README.md).
    On PostgreSQL the varying values go as two arrays (unnest) instead of a row of 13
    parameters per event: psycopg writes each array into the statement as one literal, and
    the server parses two literals rather than 650 values; a case list's 50 events take
    1.7 ms there instead of 3.3 ms (bench/CASES.md)."""
    connection = connections[router.db_for_write(AuditEvent)]
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    shared = {
        f.attname: f.get_db_prep_save(f.pre_save(template, add=True), connection=connection)
        for f in fields
        if f.attname not in _VARYING
    }
    quote = connection.ops.quote_name
    table = quote(AuditEvent._meta.db_table)
    columns = ", ".join(quote(str(f.column)) for f in fields)
    # names from the model, values as parameters
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            chosen = ", ".join(f"u.{f.attname}" if f.attname in _VARYING else "%s" for f in fields)
            arrays = ", ".join("%s::varchar[]" for _ in _VARYING)
            sql = (
                f"INSERT INTO {table} ({columns}) SELECT {chosen} "  # noqa: S608
                f"FROM unnest({arrays}) AS u({', '.join(_VARYING)})"
            )
            params = [shared[f.attname] for f in fields if f.attname not in _VARYING]
            params += [[pair[i] for pair in pairs] for i in range(len(_VARYING))]
            cursor.execute(sql, params)
            return
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for start in range(0, len(pairs), _ROWS_PER_INSERT):
            chunk = pairs[start : start + _ROWS_PER_INSERT]
            values: list[Any] = []
            for target_id, subject in chunk:
                varying = {"target_id": target_id, "subject": subject}
                values.extend(varying.get(f.attname, shared.get(f.attname)) for f in fields)
            rows = ", ".join([row] * len(chunk))
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {rows}", values)  # noqa: S608


def record_reads(
    action: str, *, actor, target_type: str, ids: Iterable[Any], via: str = ""
) -> AuditEvent | None:
    """Log one event for a list or search that showed sensitive records: the ids returned."""
    id_list = [str(i) for i in ids]
    if not id_list:
        return None
    return record(
        action, actor=actor, target=(target_type, ""), changes={"ids": [None, id_list]}, via=via
    )


def save_changes(
    obj: models.Model, values: dict[str, Any], *, action: str, actor, before_save=None
) -> dict[str, list[Any]]:
    """Set the fields whose value differs, save and record `action` with the changes.
    Nothing is written when nothing differs. Call inside the service's transaction."""
    changes = diff(obj, values)
    if changes:
        for field, (_old, new) in changes.items():
            setattr(obj, field, new)
        if before_save is not None:
            before_save()
        obj.save()
        record(action, actor=actor, target=obj, changes=changes)
    return changes


def diff(obj: models.Model, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value would change, as {field: [old, new]}."""
    return {
        field: [getattr(obj, field), value]
        for field, value in new_values.items()
        if getattr(obj, field) != value
    }
