"""Links for every row of a list, with one reverse() for the page.

reverse() walks the URL patterns for each call (some 40 µs here); a list of 50 files paid
that 50 times for URLs that differ only in their uuid."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.urls import reverse

_SAMPLE = uuid.UUID(int=0)


def uuid_links(viewname: str, *leading: Any) -> Callable[[Any], str]:
    """A function giving the URL of `viewname` for a uuid, as reverse(viewname,
    args=[*leading, value]) would; the URL is reversed once with a sample uuid and the
    value put in its place."""
    sample = reverse(viewname, args=[*leading, _SAMPLE])
    head, found, tail = sample.rpartition(str(_SAMPLE))
    if not found:
        raise ValueError(f"{viewname} does not take a uuid as its last argument")
    return lambda value: f"{head}{uuid.UUID(str(value))}{tail}"
