"""A render cache for what every visitor of a plan sees alike: the tree, the dashboard's
charts, a measure's public facts and the public API's pages.

Entries are keyed by a *generation* number that any committed change to plan content
increases, so a cached value is never served after the change that made it stale; entries
also expire after PLANS_CACHE_SECONDS (0 turns the cache off). Nothing that depends on
the user (rights, drafts, CSRF tokens, CSP nonces) is ever put in it: views check access
first and render the user's parts around the cached ones.

Saves and deletes of plan models raise the generation through signals (see apps.py);
services that write in bulk (bulk_create, queryset.update) call `invalidate()`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation

GENERATION_KEY = "plans:generation"
logger = logging.getLogger(__name__)
T = TypeVar("T")


def timeout() -> int:
    return int(getattr(settings, "PLANS_CACHE_SECONDS", 600))


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        # Missing (first use, or evicted): start above any number used before, so that
        # entries stored under an older generation can never match again.
        cache.add(GENERATION_KEY, time.time_ns(), None)
        value = cache.get(GENERATION_KEY)
    return int(value)


def _bump() -> None:
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # missing: see generation()
            cache.set(GENERATION_KEY, time.time_ns(), None)
    except Exception:
        # A write must not fail because the cache is down; what was cached expires
        # after PLANS_CACHE_SECONDS at the latest.
        logger.exception("could not invalidate the plans render cache")


def invalidate() -> None:
    """Make every cached render stale once the current transaction commits (at once
    outside a transaction). Bumping only after the commit keeps the cache row out of the
    writer's transaction (no lock held, no deadlock with the database cache) and means a
    page rendered from uncommitted rows is never stored under the live generation."""
    if not connection.in_atomic_block:
        _bump()
    elif not any(entry[1] is _bump for entry in connection.run_on_commit):
        transaction.on_commit(_bump)  # one bump per transaction, however many rows


def key(name: str, *parts: Any) -> str:
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
    return f"plans:{name}:{generation()}:{translation.get_language()}:{digest}"


def cached(name: str, parts: tuple, compute: Callable[[], T]) -> T:
    """The value computed by `compute`, from the cache when the plan content has not
    changed since it was stored. `parts` identify the value (plan, filters...)."""
    seconds = timeout()
    if seconds <= 0:
        return compute()
    entry = _key_or_none(name, *parts)
    value = _read(entry)
    if value is None:
        value = compute()
        _write(entry, value, seconds)
    return value


# A broken cache only makes pages slower: reads miss and writes are skipped.


def _key_or_none(name: str, *parts: Any) -> str | None:
    try:
        return key(name, *parts)
    except Exception:
        logger.exception("the plans render cache cannot be read")
        return None


def _read(entry: str | None) -> Any:
    if entry is None:
        return None
    try:
        return cache.get(entry)
    except Exception:
        logger.exception("the plans render cache cannot be read")
        return None


def _write(entry: str | None, value: Any, seconds: int) -> None:
    if entry is None:
        return
    try:
        cache.set(entry, value, seconds)
    except Exception:
        logger.exception("the plans render cache cannot be written")


def public_response(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Cache an API view's successful answers to anonymous callers (no token, no
    session), which are the same for everyone: the public portal's data."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        anonymous = "authorization" not in request.headers and not request.user.is_authenticated
        seconds = timeout()
        if seconds <= 0 or request.method != "GET" or not anonymous:
            return view(request, *args, **kwargs)
        # The answer's next/previous links are absolute: the host is part of the key.
        entry = _key_or_none("api", request.build_absolute_uri())
        hit = _read(entry)
        if hit is not None:
            content_type, body = hit
            return HttpResponse(body, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            _write(entry, (response["Content-Type"], response.content), seconds)
        return response

    return wrapper
