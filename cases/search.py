"""The case list's filters and search, for the page and the API alike. None of them ranks or
scores a person; they narrow a queryset the caller already scoped through cases/access.py."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cases.forms import CaseFilterForm
from cases.models import (
    OPEN_PROGRESS,
    OPEN_SERVICE_REFERRAL,
    CaseFile,
    FileStatus,
    Goal,
    PlanStatus,
    ServiceReferral,
)
from core.encryption import blind_token, normalise


def _overdue() -> QuerySet[ServiceReferral]:
    """Referrals still waiting for their next step after its date."""
    return ServiceReferral.objects.filter(
        status__in=OPEN_SERVICE_REFERRAL, due_on__lt=timezone.localdate()
    )


def overdue_referrals() -> QuerySet[ServiceReferral]:
    """The overdue referrals of the file (OuterRef)."""
    return _overdue().filter(file=OuterRef("pk"))


def with_overdue_referrals(file_ids: list[int]) -> set[int]:
    """Of these files (a page of a list, the page's or the API's), those with a referral
    overdue: one query for the page. As an EXISTS in the list's query, PostgreSQL may
    answer it by hashing every open referral before it has chosen the page (bench/CASES.md,
    finding 4)."""
    if not file_ids:
        return set()
    referrals = _overdue().filter(file_id__in=file_ids)
    return set(referrals.values_list("file_id", flat=True).distinct())


def filter_files(files: QuerySet[CaseFile], form: CaseFilterForm) -> QuerySet[CaseFile]:
    if form.value("status"):
        files = files.filter(status=form.value("status"))
    if form.value("phase"):
        files = files.filter(phase=form.value("phase"))
    if form.value("sphere"):
        open_goals = Goal.objects.filter(  # of the plan in force
            plan__file=OuterRef("pk"),
            plan__status=PlanStatus.APPROVED,
            sphere=form.value("sphere"),
            progress__in=OPEN_PROGRESS,
        )
        files = files.filter(Exists(open_goals))
    if form.value("overdue_review"):
        files = files.filter(status=FileStatus.OPEN, next_review_on__lt=timezone.localdate())
    if form.value("overdue_referral"):
        files = files.filter(Exists(overdue_referrals()))
    query = (form.value("q") or "").strip()
    if query:
        # a whole handle or its beginning ("NAM-2026-00"), or every word of the name
        matches = Q(person__handle__istartswith=query)
        words = normalise(query)
        if words:
            by_name = Q()
            for word in words:
                by_name &= Q(person__name_index__contains=blind_token(word))
            matches |= by_name
        files = files.filter(matches)
    return files
