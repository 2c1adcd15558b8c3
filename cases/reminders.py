"""Referrals to services never silently disappear: whoever holds the next step is reminded.

A referral is overdue when it still waits for an answer (or, once accepted, for its outcome)
after its `due_on`. Each run mails the senders a digest of their overdue referrals and the
case workers of each receiving organisation a digest of those waiting for them, at most once
every REMIND_EVERY_DAYS days per referral (the last reminder is an audit event). Mails hold
links only: no name, no handle.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.models import AuditEvent
from audit.services import record
from cases.access import holders_of
from cases.models import OPEN_SERVICE_REFERRAL, ServiceReferral

ACTION = "case.service_referral.reminded"
REMIND_EVERY_DAYS = 7


def overdue_referrals():
    recent = AuditEvent.objects.filter(
        action=ACTION,
        target_type="cases.servicereferral",
        target_id=OuterRef("pk_text"),
        at__gte=timezone.now() - datetime.timedelta(days=REMIND_EVERY_DAYS),
    )
    return (
        ServiceReferral.objects.filter(
            status__in=OPEN_SERVICE_REFERRAL, due_on__lt=timezone.localdate()
        )
        .annotate(pk_text=Cast("pk", CharField()))
        .filter(~Exists(recent))
        .select_related("file__person", "service", "sent_by")
    )


def send_overdue_reminders() -> int:
    """Mail the digests; returns the number of mails sent."""
    by_sender: dict[int, list[ServiceReferral]] = defaultdict(list)
    by_organisation: dict[int, list[ServiceReferral]] = defaultdict(list)
    referrals = list(overdue_referrals())
    for referral in referrals:
        by_sender[referral.sent_by_id].append(referral)
        by_organisation[referral.service.organisation_id].append(referral)
    site = settings.SITE_URL.rstrip("/")
    sent = 0
    for referral_list in by_sender.values():
        user = referral_list[0].sent_by
        links = [site + reverse("cases:file", args=[r.file.uuid]) for r in referral_list]
        sent += _mail(user, referral_list, links, outgoing=True)
    workers = holders_of("cases.work_cases", by_organisation)
    for worker in workers:
        referral_list = by_organisation[worker.organisation_id]
        links = [site + reverse("cases:incoming", args=[r.uuid]) for r in referral_list]
        sent += _mail(worker, referral_list, links, outgoing=False)
    for referral in referrals:
        record(ACTION, target=referral, subject=referral.file.person.uuid)
    return sent


def _mail(user, referrals, links, *, outgoing: bool) -> int:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        count = len(referrals)
        if outgoing:
            subject = ngettext(
                "%(count)d referral you sent is overdue",
                "%(count)d referrals you sent are overdue",
                count,
            ) % {"count": count}
        else:
            subject = ngettext(
                "%(count)d referral to your services is overdue",
                "%(count)d referrals to your services are overdue",
                count,
            ) % {"count": count}
        body = _("Open each one to see what is expected:") + "\n\n" + "\n".join(links)
    return send_mail(subject, body, None, [user.email], fail_silently=True)
