"""Calendar invitations for case consultations, built with the Platforms module's RFC 5545
helpers. They hold the cell, the time and the place: never the agenda, a handle or a name."""

from __future__ import annotations

from django.utils.translation import gettext as _

from consultations.models import Meeting, MeetingStatus
from platforms.ical import CRLF, escape, fold, utc

PRODID = "-//Synergie//Consultations//EN"
UID_DOMAIN = "synergie.consultations"


def meeting_calendar(meeting: Meeting) -> str:
    status = "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED"
    summary = _("Case consultation: %(cell)s") % {"cell": meeting.cell.display_name}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{meeting.uuid}@{UID_DOMAIN}",
        f"DTSTAMP:{utc(meeting.updated_at)}",
        f"DTSTART:{utc(meeting.starts_at)}",
        f"DTEND:{utc(meeting.ends_at)}",
        f"SUMMARY:{escape(summary)}",
        f"LOCATION:{escape(meeting.location)}",
        "CLASS:CONFIDENTIAL",
        f"STATUS:{status}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + CRLF for line in lines)
