"""Writes to action plans. Each one validates, saves and writes its audit event atomically."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import diff, record, save_changes
from core import i18n
from plans import cache as plans_cache
from plans.models import (
    CompletionLevel,
    EvaluationEntry,
    Evidence,
    Indicator,
    IndicatorValue,
    ItemKind,
    Minister,
    Plan,
    PlanImport,
    PlanItem,
    PlanStatus,
    ProgressStatus,
    ProgressUpdate,
    ReportingRound,
    RoundStatus,
    UpdateState,
)


class ConflictError(Exception):
    """Someone else saved the record since the form was opened."""

    def __init__(self, current: Any):
        super().__init__("conflict")
        self.current = current


def set_plan_status(plan: Plan, status: str, *, acting_user) -> Plan:
    """Adopt, close or return a plan to draft."""
    if status not in PlanStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    with transaction.atomic():
        save_changes(plan, {"status": status}, action="plan.status_changed", actor=acting_user)
    return plan


def open_round(
    plan: Plan, *, acting_user, name: str, period: str, deadline: datetime.date
) -> ReportingRound:
    """Open a reporting round: one update per measure, pre-filled from its last published one."""
    if plan.status != PlanStatus.ADOPTED:
        raise ValidationError(_("Only an adopted plan can have reporting rounds."))
    if deadline < timezone.localdate():
        raise ValidationError({"deadline": _("The deadline cannot be in the past.")})
    with transaction.atomic():
        rnd = ReportingRound.objects.create(
            plan=plan,
            name=name.strip(),
            period=period.strip(),
            deadline=deadline,
            opened_by=acting_user,
        )
        measures = list(plan.items.filter(kind=ItemKind.MEASURE))
        last = _last_published_by_item(plan)
        plans_cache.invalidate()  # bulk_create sends no signal
        ProgressUpdate.objects.bulk_create(
            [
                ProgressUpdate(
                    round=rnd,
                    item=m,
                    status=last[m.pk].status if m.pk in last else m.current_status,
                    percent=last[m.pk].percent if m.pk in last else m.current_progress,
                    narrative=last[m.pk].narrative if m.pk in last else "",
                    evidence_links=last[m.pk].evidence_links if m.pk in last else "",
                )
                for m in measures
            ],
            batch_size=1000,
        )
        record(
            "round.opened",
            actor=acting_user,
            target=rnd,
            changes={
                "plan": [None, plan.slug],
                "name": [None, rnd.name],
                "period": [None, rnd.period],
                "deadline": [None, deadline.isoformat()],
                "measures": [None, len(measures)],
            },
        )
    return rnd


def _last_published_by_item(plan: Plan) -> dict[int, ProgressUpdate]:
    latest: dict[int, ProgressUpdate] = {}
    published = ProgressUpdate.objects.filter(
        item__plan=plan, state=UpdateState.PUBLISHED
    ).order_by("round__opened_at")
    for update in published:
        latest[update.item_id] = update
    return latest


def close_round(rnd: ReportingRound, *, acting_user) -> ReportingRound:
    with transaction.atomic():
        if rnd.status == RoundStatus.CLOSED:
            return rnd
        rnd.status = RoundStatus.CLOSED
        rnd.closed_at = timezone.now()
        rnd.save(update_fields=["status", "closed_at"])
        record("round.closed", actor=acting_user, target=rnd)
    return rnd


UPDATE_FIELDS = ("status", "percent", "narrative", "evidence_links", "indicator_values")


def save_update(
    update: ProgressUpdate,
    data: dict[str, Any],
    *,
    acting_user,
    expected_version: int,
    submit: bool,
) -> ProgressUpdate:
    """Save a contact point's update (and optionally submit it for review).

    Optimistic locking: the version the form was opened with must still be current,
    otherwise ConflictError carries the stored version and nothing is written.
    """
    _validate_update_data(data)
    with transaction.atomic():
        values = {field: data[field] for field in UPDATE_FIELDS if field in data}
        if submit:
            values["state"] = UpdateState.SUBMITTED
        changes = diff(update, values)
        rows = ProgressUpdate.objects.filter(pk=update.pk, version=expected_version).update(
            version=F("version") + 1,
            submitted_by=acting_user if submit else update.submitted_by,
            submitted_at=timezone.now() if submit else update.submitted_at,
            **values,
        )
        if rows == 0:
            raise ConflictError(ProgressUpdate.objects.get(pk=update.pk))
        update.refresh_from_db()
        record(
            "update.submitted" if submit else "update.saved",
            actor=acting_user,
            target=update,
            changes=changes,
        )
    return update


def _validate_update_data(data: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if "status" in data and data["status"] not in ProgressStatus.values:
        errors["status"] = _("Choose a valid status.")
    percent = data.get("percent", 0)
    if not isinstance(percent, int) or not 0 <= percent <= 100:
        errors["percent"] = _("Progress is a whole number from 0 to 100.")
    if data.get("status") == ProgressStatus.COMPLETED and percent != 100:
        errors["percent"] = _("A completed measure is at 100%.")
    for value in (data.get("indicator_values") or {}).values():
        try:
            Decimal(str(value))
        except ArithmeticError:
            errors["indicator_values"] = _("Indicator values must be numbers.")
    if errors:
        raise ValidationError(errors)


def attach_evidence(update: ProgressUpdate, upload, *, acting_user) -> Evidence:
    """Store an evidence file with an update (already validated by EvidenceFileForm)."""
    with transaction.atomic():
        evidence = Evidence.objects.create(
            update=update, file=upload, name=upload.name[:200], uploaded_by=acting_user
        )
        record(
            "update.evidence_added",
            actor=acting_user,
            target=update,
            changes={"file": [None, evidence.name]},
        )
    return evidence


def request_changes(update: ProgressUpdate, *, acting_user, comment: str) -> ProgressUpdate:
    if not comment.strip():
        raise ValidationError({"comment": _("Say what needs to change.")})
    with transaction.atomic():
        update.state = UpdateState.CHANGES_REQUESTED
        update.review_comment = comment.strip()
        update.reviewed_by = acting_user
        update.version += 1
        update.save(update_fields=["state", "review_comment", "reviewed_by", "version"])
        record(
            "update.changes_requested",
            actor=acting_user,
            target=update,
            reason=update.review_comment,
        )
        _notify_reporter(update, _("Changes requested for measure %(code)s"))
    return update


def publish_update(update: ProgressUpdate, *, acting_user) -> ProgressUpdate:
    """Publish a submitted update: it becomes the measure's current progress and history."""
    if update.state != UpdateState.SUBMITTED:
        raise ValidationError(_("Only a submitted update can be published."))
    with transaction.atomic():
        item = update.item
        changes = diff(item, {"current_status": update.status, "current_progress": update.percent})
        update.state = UpdateState.PUBLISHED
        update.reviewed_by = acting_user
        update.published_at = timezone.now()
        update.version += 1
        update.save(update_fields=["state", "reviewed_by", "published_at", "version"])
        plans_cache.invalidate()
        PlanItem.objects.filter(pk=item.pk).update(
            current_status=update.status, current_progress=update.percent, version=F("version") + 1
        )
        indicators = {str(i.pk): i for i in item.indicators.all()}
        for indicator_id, value in (update.indicator_values or {}).items():
            if indicator_id in indicators and value not in (None, ""):
                IndicatorValue.objects.update_or_create(
                    indicator=indicators[indicator_id],
                    period=update.round.period,
                    defaults={"value": Decimal(str(value)), "update": update},
                )
        record("update.published", actor=acting_user, target=update, changes=changes)
    return update


def _notify_reporter(update: ProgressUpdate, subject_template: str) -> None:
    user = update.submitted_by
    if user is None:
        return
    with translation.override(user.language or None):
        subject = subject_template % {"code": update.item.code}
        body = update.review_comment
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))


def late_updates(rnd: ReportingRound, today: datetime.date | None = None):
    """Updates not yet submitted after the round's deadline."""
    today = today or timezone.localdate()
    if not rnd.is_open or today <= rnd.deadline:
        return ProgressUpdate.objects.none()
    return rnd.updates.filter(
        state__in=[UpdateState.DRAFT, UpdateState.CHANGES_REQUESTED]
    ).select_related("item")


def send_reminders(rnd: ReportingRound, today: datetime.date | None = None) -> int:
    """Mail every contact point whose organisation has late updates. Returns mails sent."""
    from accounts.models import User

    late = list(late_updates(rnd, today))
    by_org: dict[int, list[str]] = {}
    for update in late:
        by_org.setdefault(update.item.reporting_organisation_id, []).append(update.item.code)
    sent = 0
    recipients = User.objects.filter(
        organisation_id__in=by_org.keys(),
        is_active=True,
        groups__permissions__codename="report_progress",
    ).distinct()
    for user in recipients:
        codes = ", ".join(sorted(by_org[user.organisation_id]))
        with translation.override(user.language or None):
            subject = _("Reminder: progress report due for %(round)s") % {"round": rnd.name}
            body = _(
                "The deadline of %(round)s has passed. Measures still to report: %(codes)s."
            ) % {"round": rnd.name, "codes": codes}
        send_mail(subject, body, None, [user.email])
        sent += 1
    with transaction.atomic():
        rnd.last_reminder_at = timezone.now()
        rnd.save(update_fields=["last_reminder_at"])
        record(
            "round.reminders_sent",
            actor=None,
            target=rnd,
            changes={"recipients": [None, sent], "late": [None, len(late)]},
        )
    return sent


def save_evaluation(
    rnd: ReportingRound, entries: dict[int, tuple[str, str]], *, acting_user
) -> int:
    """Store the evaluation of a round: {measure id: (completion level, note)}; an empty level
    removes the entry. Returns how many entries changed."""
    valid = set(CompletionLevel.values)
    if any(level and level not in valid for level, _note in entries.values()):
        raise ValidationError(_("Choose a valid completion level."))
    measure_ids = set(rnd.plan.items.filter(kind=ItemKind.MEASURE).values_list("pk", flat=True))
    if not set(entries) <= measure_ids:
        raise ValidationError(_("Only measures of this plan can be evaluated."))
    changed = 0
    with transaction.atomic():
        current = {e.item_id: e for e in rnd.evaluations.all()}
        for item_id, (level, note) in entries.items():
            entry = current.get(item_id)
            note = note.strip()
            if not level:
                if entry is not None:
                    entry.delete()
                    changed += 1
                continue
            if entry is not None and (entry.level, entry.note) == (level, note):
                continue
            EvaluationEntry.objects.update_or_create(
                round=rnd,
                item_id=item_id,
                defaults={
                    "level": level,
                    "note": note,
                    "author": acting_user,
                    "updated_at": timezone.now(),
                },
            )
            changed += 1
        if changed:
            record(
                "round.evaluated",
                actor=acting_user,
                target=rnd,
                changes={"entries": [None, changed]},
            )
    return changed


def start_import(plan: Plan, upload, *, acting_user, language: str) -> PlanImport:
    """Store the uploaded file and queue its import (checked, then applied all at once)."""
    from plans.tasks import run_plan_import

    with transaction.atomic():
        job = PlanImport.objects.create(
            plan=plan,
            created_by=acting_user,
            file=upload,
            filename=upload.name[:200],
            language=language,
        )
        record(
            "plan.import_started",
            actor=acting_user,
            target=plan,
            changes={"file": [None, job.filename]},
        )
        transaction.on_commit(lambda: run_plan_import.enqueue(job.pk, acting_user.pk))
    return job


def create_plan(
    *, acting_user, slug: str, title: dict, summary: dict, period_start: int, period_end: int
) -> Plan:
    """A new draft plan owned by the coordinator's organisation."""
    with transaction.atomic():
        plan = Plan.objects.create(
            slug=slug,
            owner_id=acting_user.organisation_id,
            title=i18n.clean_translations(title),
            summary=i18n.clean_translations(summary),
            period_start=period_start,
            period_end=period_end,
            status=PlanStatus.DRAFT,
        )
        record(
            "plan.created",
            actor=acting_user,
            target=plan,
            changes={
                "slug": [None, slug],
                "period_start": [None, period_start],
                "period_end": [None, period_end],
            },
        )
    return plan


def update_plan(plan: Plan, data: dict[str, Any], *, acting_user) -> Plan:
    """Change a plan's titles, summaries or period."""
    values = {
        "title": i18n.clean_translations(data["title"]),
        "summary": i18n.clean_translations(data["summary"]),
        "period_start": data["period_start"],
        "period_end": data["period_end"],
    }
    with transaction.atomic():
        save_changes(plan, values, action="plan.updated", actor=acting_user)
    return plan


def update_measure(
    item: PlanItem, data: dict[str, Any], *, acting_user, expected_version: int
) -> PlanItem:
    """Change a measure's titles, summaries, type or reporting organisation, refusing to
    overwrite a version saved by someone else in the meantime."""
    values = {
        "title": i18n.clean_translations(data["title"]),
        "summary": i18n.clean_translations(data["summary"]),
        "measure_type": data["measure_type"],
        "reporting_organisation": data["reporting_organisation"],
    }
    with transaction.atomic():
        current = PlanItem.objects.select_for_update().get(pk=item.pk)
        if current.version != expected_version:
            raise ConflictError(current)

        def before_save() -> None:
            current.version += 1
            current.refresh_search_text()

        save_changes(
            current, values, action="measure.updated", actor=acting_user, before_save=before_save
        )
    return current


def save_indicator(
    item: PlanItem, data: dict[str, Any], *, acting_user, indicator: Indicator | None = None
) -> Indicator:
    """Create an indicator of a measure, or change one."""
    values = {**data, "name": i18n.clean_translations(data["name"])}
    with transaction.atomic():
        if indicator is None:
            indicator = Indicator.objects.create(
                item=item, position=item.indicators.count(), **values
            )
            record(
                "indicator.created",
                actor=acting_user,
                target=indicator,
                changes={"measure": [None, item.code]},
            )
        else:
            save_changes(indicator, values, action="indicator.updated", actor=acting_user)
    return indicator


def delete_indicator(indicator: Indicator, *, acting_user) -> None:
    with transaction.atomic():
        record(
            "indicator.deleted",
            actor=acting_user,
            target=indicator,
            changes={"measure": [indicator.item.code, None]},
        )
        indicator.delete()


def set_measure_details(
    item: PlanItem,
    *,
    actors: list[dict[str, str]],
    minister_keys: list[str],
    budget_lines: list[dict[str, Any]],
    acting_user,
    expected_version: int,
) -> PlanItem:
    """Replace a measure's actors ({"organisation", "role"}), ministers and budget lines,
    checked by the same rules as a spreadsheet import; refuses a stale version."""
    from network.models import Organisation
    from plans.importer import sync_measure_details
    from plans.imports import RowChecker

    checker = RowChecker(item.plan)
    errors: dict[str, list[str]] = {"actors": [], "ministers": [], "budget_lines": []}
    checked_actors = checker.actors(
        "|".join(f"{a['organisation']}:{a['role']}" for a in actors), errors["actors"]
    )
    checked_ministers = checker.ministers("|".join(minister_keys), errors["ministers"])
    checked_lines = checker.budget_lines(
        json.dumps(budget_lines, default=str), errors["budget_lines"]
    )
    if any(errors.values()):
        raise ValidationError({field: msgs for field, msgs in errors.items() if msgs})
    with transaction.atomic():
        current = PlanItem.objects.select_for_update().get(pk=item.pk)
        if current.version != expected_version:
            raise ConflictError(current)
        reporter = current.reporting_organisation
        keys = {a["org"] for a in checked_actors} | ({reporter.key} if reporter else set())
        orgs = {o.key: o for o in Organisation.objects.filter(key__in=keys)}
        ministers = {m.key: m for m in Minister.objects.filter(key__in=checked_ministers)}
        sync_measure_details(
            current,
            {
                "actors": checked_actors,
                "ministers": checked_ministers,
                "budget_lines": checked_lines,
                "reporting_organisation": reporter.key if reporter else None,
            },
            orgs,
            ministers,
            acting_user,
        )
        PlanItem.objects.filter(pk=current.pk).update(version=F("version") + 1)
        current.refresh_from_db()
    return current
