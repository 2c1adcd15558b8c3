"""Optimistic concurrency for records with a `version` column: the editor says which
version they read, and nothing is overwritten without it. Shared by every app's services."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone


class EditConflict(Exception):
    """Someone saved the record since the editor loaded it: `current` is their version."""

    def __init__(self, current):
        super().__init__("edit conflict")
        self.current = current


def lock_version(obj, expected_version: int | None, *, required: bool = False):
    """The row locked for update; EditConflict if its version moved on. Where an editor
    changes content (`required`), a missing version counts as a stale one: nothing is
    overwritten without saying which version it replaces."""
    current = type(obj).objects.select_for_update().get(pk=obj.pk)
    if expected_version is None and required:
        raise EditConflict(current)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(current)
    return current


def save_versioned(obj, data: dict[str, Any], expected_version: int | None):
    """Apply `data` to the locked row and bump its version (and `updated_at`, if any) when
    something changed. Returns the row and the names of the fields that changed, for the
    caller's audit row. Call inside a transaction."""
    current = lock_version(obj, expected_version, required=True)
    changed = [k for k, v in data.items() if getattr(current, k) != v]
    for key, value in data.items():
        setattr(current, key, value)
    if changed:
        current.version = F("version") + 1
        if hasattr(current, "updated_at"):
            current.updated_at = timezone.now()
        current.save()
        current.refresh_from_db(fields=["version"])
    return current, changed


def changed_fields(names) -> dict[str, list[Any]]:
    """What an audit row says about a write to personal data: which fields, never values."""
    return {"fields": [None, sorted(names)]}
