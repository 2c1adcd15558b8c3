"""Render caches for what everyone of one audience sees alike (public plan pages, the
directory as the public or as signed-in members see it, the gap report of the coordinators).

A cache has a *generation* number that any committed change to its content increases, and
each entry is stored with the generation read before it was computed: an entry is served
only while that is still the current generation, so never after the change that made it
stale. The generation and the entries a page needs are read in one round trip. Entries
also expire after a number of seconds read from a setting (0 turns the cache off).

Nothing that depends on the user (rights, drafts, CSRF tokens, CSP nonces) is ever put in
one: views check access first and render the user's parts around the cached ones. The one
exception is `visitor_page`, which keeps whole pages for visitors without a session: it
stores them with the request's CSP nonce and CSRF token replaced by markers, and puts the
next visitor's own values back in their place.

Saves and deletes of the watched models raise the generation through signals (`watch`);
services that write in bulk (bulk_create, queryset.update) call `invalidate()`.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeGuard, TypeVar

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import (  # type: ignore[attr-defined]  # private, stable since 1.10
    CSRF_TOKEN_LENGTH,
    _unmask_cipher_token,
    get_token,
)
from django.utils import translation
from django.utils.cache import patch_vary_headers

logger = logging.getLogger(__name__)
T = TypeVar("T")


class RenderCache:
    def __init__(self, name: str, setting: str, default_seconds: int) -> None:
        self.name = name
        self.setting = setting
        self.default_seconds = default_seconds
        self.generation_key = f"{name}:generation"
        # one bump per transaction, however many rows: the callback is this bound method
        self._bump_callback = self._bump

    def timeout(self) -> int:
        return int(getattr(settings, self.setting, self.default_seconds))

    def generation(self) -> int:
        value = cache.get(self.generation_key)
        if value is None:
            # Missing (first use, or evicted): start above any number used before, so that
            # entries stored under an older generation can never match again.
            cache.add(self.generation_key, time.time_ns(), None)
            value = cache.get(self.generation_key)
        return int(value)

    def _bump(self) -> None:
        try:
            try:
                cache.incr(self.generation_key)
            except ValueError:  # missing: see generation()
                cache.set(self.generation_key, time.time_ns(), None)
        except Exception:
            # A write must not fail because the cache is down; what was cached expires
            # after the timeout at the latest.
            logger.exception("could not invalidate the %s render cache", self.name)

    def invalidate(self) -> None:
        """Make every cached render stale once the current transaction commits (at once
        outside a transaction). Bumping only after the commit keeps the cache row out of
        the writer's transaction (no lock held, no deadlock with the database cache) and
        means a page rendered from uncommitted rows is never stored under the live
        generation."""
        if not connection.in_atomic_block:
            self._bump()
        elif not any(entry[1] == self._bump_callback for entry in connection.run_on_commit):
            transaction.on_commit(self._bump_callback)

    def key(self, name: str, *parts: Any) -> str:
        digest = hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
        return f"{self.name}:{name}:{translation.get_language()}:{digest}"

    def cached(self, name: str, parts: tuple, compute: Callable[[], T]) -> T:
        """The value computed by `compute`, from the cache when the content has not changed
        since it was stored. `parts` identify the value (plan, filters...)."""
        return self.cached_many([(name, parts, compute)])[0]

    def cached_many(self, wanted: list[tuple[str, tuple, Callable[[], Any]]]) -> list[Any]:
        """Several values of one page, each as `cached` gives it, in one read of the cache."""
        seconds = self.timeout()
        if seconds <= 0:
            return [compute() for _name, _parts, compute in wanted]
        entries = [self.key(name, *parts) for name, parts, _compute in wanted]
        current, found = self._lookup(entries)
        values = []
        for entry, (_name, _parts, compute) in zip(entries, wanted, strict=True):
            stored = found.get(entry)
            if _is_fresh(stored, current):
                values.append(_unpack(stored[1]))
                continue
            value = compute()
            if current is not None:
                self._write(entry, (current, _pack(value)), seconds)
            values.append(value)
        return values

    def watch(self, models: Iterable[type[Model]], ignore_fields: frozenset[str]) -> None:
        """Invalidate on every save or delete of these models, except saves that change
        only `ignore_fields` (fields no cached page shows)."""

        def changed(sender, update_fields=None, **kwargs) -> None:
            if update_fields and set(update_fields) <= ignore_fields:
                return
            self.invalidate()

        for model in models:
            label = model._meta.label_lower
            post_save.connect(
                changed, sender=model, weak=False, dispatch_uid=f"{self.name}-cache-{label}"
            )
            post_delete.connect(
                changed, sender=model, weak=False, dispatch_uid=f"{self.name}-cache-del-{label}"
            )

    def public_response(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        """Cache an API view's successful answers to anonymous callers (no token, no
        session), which are the same for everyone."""
        return self.shared_response(_anonymous)(view)

    def shared_response(
        self, audience: Callable[[HttpRequest], str | None]
    ) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
        """Cache an API view's successful answers to GETs for everyone `audience` puts in one
        group: it names the caller's group, whose answers are all alike, or returns None for
        a caller who gets the view's own answer (and who stores nothing). It must check the
        caller's credentials itself: a stored answer is served without running the view."""

        def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
            @wraps(view)
            def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                seconds = self.timeout()
                group = audience(request) if seconds > 0 and request.method == "GET" else None
                if group is None:
                    return view(request, *args, **kwargs)
                # The answer's next/previous links are absolute: the host is in the key.
                entry = self.key("api", group, request.build_absolute_uri())
                current, found = self._lookup([entry])
                stored = found.get(entry)
                if _is_fresh(stored, current):
                    content_type, body = _unpack(stored[1])
                    return HttpResponse(body, content_type=content_type)
                response = view(request, *args, **kwargs)
                if current is not None and response.status_code == 200 and not response.streaming:
                    answer = (response["Content-Type"], response.content)
                    self._write(entry, (current, _pack(answer)), seconds)
                return response

            return wrapper

        return decorator

    def visitor_page(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        """Cache a page whole for visitors who carry no session and no messages: everything
        the page shows is then the same for all of them, but for the CSP nonce and the CSRF
        token, which are put back per request. Rendering base.html (menu, language switcher)
        costs several times a cache read; a hit costs about as much as an empty view.

        Only plain GETs are served from it (an htmx request asks for a fragment), and only
        a 200 whose sole header is its Content-Type is stored: no cookie or header of one
        visitor can reach another. The language is part of the key (`key`), the path and
        query string too."""

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            seconds = self.timeout()
            if seconds <= 0 or not _plain_visit(request):
                return view(request, *args, **kwargs)
            entry = self.key("visitor-page", request.get_full_path())
            current, found = self._lookup([entry])
            stored = found.get(entry)
            if _is_fresh(stored, current):
                return _revive(request, *_unpack(stored[1]))
            response = view(request, *args, **kwargs)
            patch_vary_headers(response, ("Cookie",))  # a member's page differs
            if current is not None:
                page = _as_template(request, response)
                if page is not None:
                    self._write(entry, (current, _pack(page)), seconds)
            return response

        return wrapper

    # A broken cache only makes pages slower: reads miss and writes are skipped.

    def _lookup(self, entries: list[str]) -> tuple[int | None, dict[str, Any]]:
        """The current generation (None if the cache cannot tell) and the stored entries,
        read together."""
        found = self._read_many([self.generation_key, *entries])
        current = found.get(self.generation_key)
        if current is None:
            current = self._generation_or_none()
        return current, found

    def _generation_or_none(self) -> int | None:
        try:
            return self.generation()
        except Exception:
            logger.exception("the %s render cache cannot be read", self.name)
            return None

    def _read_many(self, entries: list[str]) -> dict[str, Any]:
        try:
            return cache.get_many(entries)
        except Exception:
            logger.exception("the %s render cache cannot be read", self.name)
            return {}

    def _write(self, entry: str, value: Any, seconds: int) -> None:
        try:
            cache.set(entry, value, seconds)
        except Exception:
            logger.exception("the %s render cache cannot be written", self.name)


# Markers for what differs between visitors. They are stored in place of the values and
# replaced on the way out; a page that already holds one (written by a user) is not stored.
NONCE_MARK = "\ue000csp-nonce\ue000"
CSRF_MARK = "\ue000csrf-token\ue000"
_TOKEN_LIKE = re.compile(rf"(?<![A-Za-z0-9])[A-Za-z0-9]{{{CSRF_TOKEN_LENGTH}}}(?![A-Za-z0-9])")


def _anonymous(request: HttpRequest) -> str | None:
    """Callers without a token or a session are one group."""
    if "authorization" in request.headers or request.user.is_authenticated:
        return None
    return "public"


def _plain_visit(request: HttpRequest) -> bool:
    """A GET for a whole page by a visitor with no session (so not signed in and with no
    pending messages in it), no messages cookie and no API token."""
    return (
        request.method == "GET"
        and "HX-Request" not in request.headers
        and "Authorization" not in request.headers
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


def _as_template(request: HttpRequest, response: HttpResponse) -> tuple[str, str] | None:
    """The response's content type and text with the visitor's nonce and token replaced by
    markers, or None if it must not be stored."""
    own_headers = {name.lower() for name in response.headers} - {"content-type", "vary"}
    if (
        response.status_code != 200
        or response.streaming
        or own_headers
        or response.cookies
        or not response["Content-Type"].startswith("text/html")
    ):
        return None
    text = response.content.decode(response.charset)
    if NONCE_MARK in text or CSRF_MARK in text:
        return None
    nonce = getattr(request, "_csp_nonce", None)  # set once the page has used it
    if isinstance(nonce, str):
        text = text.replace(nonce, NONCE_MARK)
    secret = request.META.get("CSRF_COOKIE")
    if secret:
        # Every masked form of the visitor's CSRF secret, wherever the page has one (the
        # forms, htmx's headers): a masked token unmasks to the secret, so none may stay.
        if secret in text:
            return None
        for candidate in set(_TOKEN_LIKE.findall(text)):
            if _unmask_cipher_token(candidate) == secret:
                text = text.replace(candidate, CSRF_MARK)
    return response["Content-Type"], text


def _revive(request: HttpRequest, content_type: str, text: str) -> HttpResponse:
    """A stored page with this visitor's nonce and CSRF token (which sets the CSRF cookie
    if the visitor has none yet)."""
    if NONCE_MARK in text:
        text = text.replace(NONCE_MARK, str(request.csp_nonce))  # type: ignore[attr-defined]
    if CSRF_MARK in text:
        text = text.replace(CSRF_MARK, get_token(request))
    response = HttpResponse(text, content_type=content_type)
    patch_vary_headers(response, ("Cookie",))
    return response


@dataclass(frozen=True)
class Packed:
    """A large value, pickled and compressed: a plan's tree is ~200 kB of HTML, which the
    database cache would base64-encode and PostgreSQL compress and expand on every read;
    compressed here it is a tenth of that, and expanding it costs less than either."""

    data: bytes


PACK_ABOVE = 4096  # bytes pickled


def _pack(value: Any) -> Any:
    pickled = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    return Packed(zlib.compress(pickled, 1)) if len(pickled) > PACK_ABOVE else value


def _unpack(value: Any) -> Any:
    return pickle.loads(zlib.decompress(value.data)) if isinstance(value, Packed) else value  # noqa: S301 -- written by _pack


def _is_fresh(stored: Any, current: int | None) -> TypeGuard[tuple[int, Any]]:
    """Whether a stored (generation, value) pair was computed under the current generation."""
    return current is not None and stored is not None and stored[0] == current
