"""A file's history in one list, newest first: journal entries, evaluations, plan versions,
what the file shared, its referrals to services, judges' conditions and their follow-up.

The file's page, its timeline partial and the API read it from here; each caller loads the
file through cases.access first (which writes the audit row).
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy

from cases.models import CaseFile, ConditionCheck

# A file's timeline shows at most this many items of each kind.
TIMELINE_LIMIT = 200
TIMELINE_KINDS = {
    "journal": gettext_lazy("Journal"),
    "evaluation": gettext_lazy("Evaluations"),
    "plan": gettext_lazy("Plan versions"),
    "sharing": gettext_lazy("Shared file"),
    "referral": gettext_lazy("Referrals to services"),
    "condition": gettext_lazy("Conditions"),
}

_EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.UTC)


def _sources(file: CaseFile):
    """(kind, type, queryset newest first, sort key) for each kind of item of a file."""
    day = timezone.localdate
    return [
        (
            "journal",
            "journal",
            file.journal.select_related("author").order_by("-occurred_on", "-created_at"),
            lambda e: (e.occurred_on, e.created_at),
        ),
        (
            "evaluation",
            "evaluation",
            file.evaluations.select_related("author").order_by("-evaluated_on", "-signed_at"),
            lambda e: (e.evaluated_on, e.signed_at),
        ),
        (
            "plan",
            "plan",
            file.plans.select_related("created_by", "approved_by").order_by("-created_at"),
            lambda p: (day(p.approved_at or p.created_at), p.approved_at or p.created_at),
        ),
        (
            "sharing",
            "contribution",
            file.contributions.select_related("author", "to_livc")
            .prefetch_related("recipients")
            .order_by("-created_at"),
            lambda c: (day(c.created_at), c.created_at),
        ),
        (
            "referral",
            "referral",
            file.service_referrals.select_related("service__organisation", "sent_by").order_by(
                "-sent_at"
            ),
            lambda r: (day(r.sent_at), r.sent_at),
        ),
        (
            "condition",
            "condition",
            file.conditions.order_by("-imposed_on", "-id"),
            lambda c: (c.imposed_on, _EARLIEST),
        ),
        (
            "condition",
            "check",
            ConditionCheck.objects.filter(condition__file=file)
            .select_related("condition", "author")
            .order_by("-checked_on", "-id"),
            lambda c: (c.checked_on, _EARLIEST),
        ),
    ]


def file_timeline(file: CaseFile, kind: str = "") -> tuple[list[dict], bool]:
    """The file's items of one kind of TIMELINE_KINDS (every kind when `kind` is empty),
    newest first, each as {"kind", "type", "key", "obj"}; and whether a kind had more than
    TIMELINE_LIMIT items (its oldest are left out). A constant number of queries."""
    items, truncated = [], False
    for source_kind, item_type, queryset, key in _sources(file):
        if kind and source_kind != kind:
            continue
        rows = list(queryset[: TIMELINE_LIMIT + 1])
        truncated = truncated or len(rows) > TIMELINE_LIMIT
        items += [
            {"kind": source_kind, "type": item_type, "key": key(obj), "obj": obj}
            for obj in rows[:TIMELINE_LIMIT]
        ]
    items.sort(key=lambda item: item["key"], reverse=True)
    return items, truncated
