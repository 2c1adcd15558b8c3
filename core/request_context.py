"""Per-request facts (request id, client address, user) that services read for the audit trail.

Kept in a context variable so that services need not receive the request; set and cleared by
RequestIdMiddleware.
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "synergie_request", default=None
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def set_current(ctx: RequestContext | None) -> contextvars.Token:
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)


def current() -> RequestContext | None:
    """The context of the request being served, or None in commands and tasks."""
    return _current.get()
