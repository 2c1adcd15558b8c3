"""Calendar invitations (RFC 5545), written by hand: a handful of properties does not need
a library. Lines end in CRLF, are folded at 75 octets, and text values are escaped."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from platforms.models import Meeting, MeetingStatus

PRODID = "-//Synergie//Platforms//EN"
UID_DOMAIN = "synergie.platforms"
CRLF = "\r\n"


def escape(text: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped (3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def utc(moment: datetime.datetime) -> str:
    """A DATE-TIME in UTC, e.g. 20260312T140000Z."""
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, each continuation starting with
    a space (3.1), without cutting a UTF-8 character in two."""
    parts: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    parts.append(current)
    return CRLF.join(parts)


def _event(meeting: Meeting, summary: str, description: str) -> list[str]:
    status = "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{meeting.uuid}@{UID_DOMAIN}",
        f"DTSTAMP:{utc(meeting.updated_at)}",
        f"DTSTART:{utc(meeting.starts_at)}",
        f"DTEND:{utc(meeting.ends_at)}",
        f"SUMMARY:{escape(summary)}",
    ]
    if meeting.location:
        lines.append(f"LOCATION:{escape(meeting.location)}")
    if description:
        lines.append(f"DESCRIPTION:{escape(description)}")
    lines += [f"STATUS:{status}", "END:VEVENT"]
    return lines


def calendar(events: Iterable[tuple[Meeting, str, str]], name: str = "") -> str:
    """A VCALENDAR of (meeting, summary, description) events."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if name:
        lines.append(f"X-WR-CALNAME:{escape(name)}")
    for meeting, summary, description in events:
        lines += _event(meeting, summary, description)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def summary_of(meeting: Meeting) -> str:
    return f"{meeting.platform.display_name}: {meeting.display_title}"


def description_of(meeting: Meeting) -> str:
    """The agenda, one item a line."""
    return "\n".join(f"{item.position}. {item.title}" for item in meeting.agenda_items.all())
