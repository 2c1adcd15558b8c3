"""Freshness reminders: ask each organisation's directory editors to check its stale entries.

An entry is stale when it was never verified or was last verified more than
NETWORK_VERIFY_AFTER_DAYS days ago (365). Each editor of an organisation with stale entries
gets one digest listing them, in their own language; an organisation is reminded at most once
every NETWORK_REMIND_EVERY_DAYS days (30). The last reminder of an organisation is its latest
`network.verification_reminded` audit event, so no table is needed to remember it.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.mail import EmailMessage, get_connection
from django.db import models
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record
from network.models import Organisation, Post, Service

logger = logging.getLogger(__name__)

ACTION = "network.verification_reminded"


class Reminded(NamedTuple):
    """A verifiable model whose stale entries are reminded, and how to reach them."""

    model: type[models.Model]
    owner: str  # lookup from an entry to the id of the organisation whose editors keep it
    url_name: str
    url_kwargs: dict[str, str]  # URL argument -> attribute of the entry
    related: tuple[str, ...] = ()  # what str(entry) reads, fetched in the same query


# Add a verifiable model here (one line) to include its entries in the reminders.
REMINDED: list[Reminded] = [
    Reminded(Organisation, "pk", "network:organisation", {"key": "key"}),
    Reminded(Service, "organisation", "network:service", {"service_uuid": "uuid"}),
    Reminded(Post, "organisation", "network:post", {"post_uuid": "uuid"}, ("kind",)),
]


@dataclass
class StaleEntry:
    obj: Any
    reminded: Reminded

    @property
    def verified_at(self) -> datetime.datetime | None:
        return self.obj.verified_at

    @property
    def kind(self) -> str:
        return capfirst(self.obj._meta.verbose_name)

    @property
    def name(self) -> str:
        # str() of a directory entry picks its name in the active language
        return str(self.obj)

    @property
    def url(self) -> str:
        kwargs = {arg: getattr(self.obj, attr) for arg, attr in self.reminded.url_kwargs.items()}
        return settings.SITE_URL.rstrip("/") + reverse(self.reminded.url_name, kwargs=kwargs)


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def stale_entries_by_organisation(today: datetime.date) -> dict[int, list[StaleEntry]]:
    """Stale entries of every model in REMINDED, grouped by owning organisation id.
    One query per model."""
    days = getattr(settings, "NETWORK_VERIFY_AFTER_DAYS", 365)
    cutoff = _midnight(today - datetime.timedelta(days=days))
    by_org: dict[int, list[StaleEntry]] = {}
    for reminded in REMINDED:
        stale = (
            reminded.model._default_manager.filter(
                Q(verified_at__isnull=True) | Q(verified_at__lt=cutoff)
            )
            .annotate(reminder_owner=F(reminded.owner))
            .select_related(*reminded.related)
            .order_by("pk")
        )
        for obj in stale:
            by_org.setdefault(obj.reminder_owner, []).append(StaleEntry(obj, reminded))
    return by_org


def recently_reminded(today: datetime.date) -> set[int]:
    """Organisations reminded less than NETWORK_REMIND_EVERY_DAYS days before `today`."""
    every = getattr(settings, "NETWORK_REMIND_EVERY_DAYS", 30)
    since = _midnight(today - datetime.timedelta(days=every - 1))
    ids = AuditEvent.objects.filter(
        action=ACTION, target_type=Organisation._meta.label_lower, at__gte=since
    ).values_list("target_id", flat=True)
    return {int(pk) for pk in ids}


def directory_editors(organisation_ids) -> dict[int, list[User]]:
    """Active users holding network.edit_directory (through a role or directly), per
    organisation, with their organisation loaded. Superusers only if they hold the role."""
    permission = Permission.objects.filter(
        content_type__app_label="network", codename="edit_directory"
    )
    users = (
        User.objects.filter(organisation_id__in=organisation_ids, is_active=True)
        .exclude(email="")
        .filter(Q(groups__permissions__in=permission) | Q(user_permissions__in=permission))
        .select_related("organisation")
        .distinct()
        .order_by("pk")
    )
    editors: dict[int, list[User]] = {}
    for user in users:
        editors.setdefault(user.organisation_id, []).append(user)
    return editors


def send_verification_reminders(today: datetime.date | None = None) -> int:
    """Mail each directory editor one digest of their organisation's stale entries, at most
    once every NETWORK_REMIND_EVERY_DAYS days per organisation. Returns the mails sent.

    Organisations without an editor are skipped (and logged); they are not marked as
    reminded, so they are picked up as soon as they have one. The number of queries does not
    grow with the number of entries: one per model, one for past reminders, one for editors,
    and one audit row per organisation reminded.
    """
    today = today or timezone.localdate()
    stale = stale_entries_by_organisation(today)
    skipped = recently_reminded(today)
    due = {org_id: entries for org_id, entries in stale.items() if org_id not in skipped}
    editors = directory_editors(due.keys())
    without_editors = sorted(set(due) - set(editors))
    if without_editors:
        logger.info(
            "%d organisation(s) with stale directory entries have no editor to remind: %s",
            len(without_editors),
            without_editors,
        )
    connection = get_connection()
    sent = 0
    for org_id, users in editors.items():
        entries = due[org_id]
        messages = [_digest(user, entries) for user in users]
        connection.send_messages(messages)
        sent += len(messages)
        # Recorded after sending: if the mail server fails, the next run tries again.
        record(
            ACTION,
            target=users[0].organisation,
            changes={
                "entries": [None, len(entries)],
                "recipients": [None, [user.pk for user in users]],
            },
        )
    return sent


def _digest(user: User, entries: list[StaleEntry]) -> EmailMessage:
    """The reminder of one editor, rendered in the editor's language."""
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "user": user,
            "organisation": user.organisation,
            "entries": sorted(
                entries, key=lambda e: (e.reminded.model is not Organisation, e.name)
            ),
            "verify_after_days": getattr(settings, "NETWORK_VERIFY_AFTER_DAYS", 365),
            "remind_every_days": getattr(settings, "NETWORK_REMIND_EVERY_DAYS", 30),
        }
        subject = render_to_string("network/mail/verification_reminder_subject.txt", context)
        body = render_to_string("network/mail/verification_reminder_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[user.email],
        headers={"Content-Language": language},
    )
