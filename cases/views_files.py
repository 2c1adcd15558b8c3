"""HTML views of one organisation's files on persons: the case list, a file's page and its
timeline, and the journal, evaluations, plan, conditions and attachments in it.

Every view reads through cases/access.py (404 outside the case team, and an audit row for
each read) and writes through cases/services.py (403 when the role may not).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.stepup import step_up_required
from audit.models import AuditEvent
from audit.services import record_person_reads
from cases import access, search, services
from cases.forms import (
    SPHERE_PARTS,
    AttachmentForm,
    CaseFilterForm,
    CloseForm,
    ConditionCheckForm,
    ConditionForm,
    EntryForm,
    EvaluationForm,
    FileForm,
    GoalFormSet,
    PlanForm,
    TeamForm,
    goals_from,
)
from cases.models import (
    Attachment,
    CaseFile,
    Condition,
    Context,
    EntryKind,
    Evaluation,
    FileStatus,
    GuidancePlan,
    JournalEntry,
    Phase,
    PlanStatus,
    Progress,
    Sphere,
)
from cases.timeline import TIMELINE_KINDS, TIMELINE_LIMIT, file_timeline
from core.forms import add_service_errors
from core.links import uuid_links
from network.models import LANGUAGE_CHOICES
from retention.access import active_hold

PAGE_SIZE = 50
# what the list shows: no other column is read (nor decrypted: the national number stays out)
LIST_FIELDS = (
    "uuid",
    "status",
    "phase",
    "next_review_on",
    "person__uuid",
    "person__handle",
    "person__full_name",
    "person__date_of_birth",
    "person__minor_until",
    "manager__full_name",
    "manager__email",
)
FILE_FIELDS = ("phase", "context", "next_review_on")
ENTRY_FIELDS = ("kind", "occurred_on", "text")
PLAN_FIELDS = ("phase", "context", "review_on")
FILE_WRITES = (
    "case.file.updated",
    "case.file.closed",
    "case.file.reopened",
    "case.file.manager_changed",
)


# --- helpers --------------------------------------------------------------------------------


def _rebased(form_class, data, version: int, **kwargs):
    """The editor's own values again, now based on the version saved meanwhile: saving
    once more is a deliberate choice to replace it."""
    data = data.copy()
    data["version"] = str(version)
    return form_class(data, **kwargs)


def _saved_by(obj, actions) -> str:
    """Who last wrote `obj`, from the audit trail (the records keep no editor)."""
    event = (
        AuditEvent.objects.for_target(obj)
        .filter(action__in=actions)
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    if event is None:
        return ""
    return (event.actor.full_name if event.actor else "") or event.actor_label


def _shown(values: dict, *names: str) -> dict:
    """Some values of one version, for the conflict panel: choices by their label."""
    labels = {
        "phase": dict(Phase.choices),
        "context": dict(Context.choices),
        "kind": dict(EntryKind.choices),
    }
    return {
        name: labels[name].get(values[name], values[name]) if name in labels else values[name]
        for name in names
    }


def _file_context(request, file) -> dict:
    """What every page of a file shows: the person, the reader's rights, break-glass."""
    return {
        "file": file,
        "person": file.person,
        "can_edit": access.can_edit_file(request.user, file),
        "can_share": access.can_share(request.user, file),
        "can_refer": access.can_refer(request.user, file),
        "can_manage": access.can_manage_file(request.user, file),
        "break_glass": file.break_glass_grant,
        "is_break_glass": not file.my_role,
    }


def _posted(request):
    """The submitted data, even when empty: an empty POST is bad input, shown as such."""
    return request.POST if request.method == "POST" else None


def _redirect_to_file(file):
    return redirect("cases:file", file_uuid=file.uuid)


# --- the case list ----------------------------------------------------------------------------


@login_required
def file_list(request):
    form = CaseFilterForm(request.GET or None)
    files = search.filter_files(access.team_files(request.user), form)
    if form.value("after"):
        files = files.filter(pk__lt=form.value("after"))
    files = files.select_related("person", "manager").only(*LIST_FIELDS)
    rows = list(files.order_by("-id")[: PAGE_SIZE + 1])
    page, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    record_person_reads(
        "case.file.listed",
        actor=request.user,
        target_type="cases.casefile",
        rows=[(file.pk, file.person.uuid) for file in page],
    )
    context = {
        "form": form,
        "rows": _list_rows(page, search.with_overdue_referrals([f.pk for f in page])),
        "next_after": page[-1].pk if more else None,
        "is_first_page": not form.value("after"),
    }
    return render(request, "cases/file_list.html", context)


def _list_rows(files: list[CaseFile], overdue_referral: set[int]) -> list[dict]:
    """The list's cells, worked out once per page rather than per row in the template:
    labels of statuses and phases (get_..._display builds the choices anew for every row),
    the manager's name, the formatted date, the link (one reverse() for the page)."""
    statuses, phases = dict(FileStatus.choices), dict(Phase.choices)
    link = uuid_links("cases:file")
    rows = []
    for file in files:
        review = file.next_review_on
        rows.append(
            {
                "file": file,
                "url": link(file.uuid),
                "person": file.person,
                "status": statuses.get(file.status, file.status),
                "phase": phases.get(file.phase, file.phase),
                "manager": file.manager.full_name or file.manager.email,
                "next_review": date_format(review, "SHORT_DATE_FORMAT") if review else "—",
                "review_overdue": file.review_overdue,
                "referral_overdue": file.pk in overdue_referral,
            }
        )
    return rows


# --- a file's page and its timeline -------------------------------------------------------


def _timeline_context(request, file) -> dict:
    """The file's history, newest first, of one kind (`?kind=`) or of every kind."""
    kind = request.GET.get("kind", "")
    if kind not in TIMELINE_KINDS:
        kind = ""
    items, truncated = file_timeline(file, kind)
    return {
        **_file_context(request, file),
        "items": items,
        "kind": kind,
        "kinds": TIMELINE_KINDS.items(),
        "truncated": truncated,
        "timeline_limit": TIMELINE_LIMIT,
    }


@login_required
def file_detail(request, file_uuid):
    file = access.get_file_for_user(request.user, file_uuid, "case.file.viewed")
    plans = list(file.plans.filter(status__in=[PlanStatus.APPROVED, PlanStatus.DRAFT]))
    approved = next((p for p in plans if p.status == PlanStatus.APPROVED), None)
    languages = dict(LANGUAGE_CHOICES)
    context = {
        **_timeline_context(request, file),
        "team": file.team.select_related("user").order_by("role", "user__full_name"),
        "plan": approved,
        "draft": next((p for p in plans if p.status == PlanStatus.DRAFT), None),
        "goals": approved.goals.select_related("partner") if approved else [],
        "conditions": file.conditions.select_related("justice_assistant").prefetch_related(
            "checks__author"
        ),
        "attachments": file.attachments.select_related("uploaded_by"),
        "languages": [languages.get(code, code) for code in file.person.languages],
        "hold": active_hold(file),
    }
    return render(request, "cases/file_detail.html", context)


@login_required
def timeline(request, file_uuid):
    file = access.get_file_for_user(request.user, file_uuid, "case.timeline.viewed")
    return render(request, "cases/file_timeline.html", _timeline_context(request, file))


# --- the file itself: phase, team, closing ----------------------------------------------------


@login_required
def file_edit(request, file_uuid):
    file = access.get_file_for_user(request.user, file_uuid, "case.file.viewed")
    access.require(access.can_edit_file(request.user, file))
    initial = {
        "phase": file.phase,
        "context": file.context,
        "next_review_on": file.next_review_on,
        "version": file.version,
    }
    form = FileForm(_posted(request), initial=initial)
    conflict = mine = None
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in FILE_FIELDS}
        try:
            services.update_file(
                file, data, actor=request.user, expected_version=form.cleaned_data["version"]
            )
        except services.EditConflict as error:
            conflict, mine = error.current, form.cleaned_data
            form = _rebased(FileForm, request.POST, conflict.version)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The file is saved."))
            return _redirect_to_file(file)
    context = {
        **_file_context(request, file),
        "form": form,
        "conflict": conflict,
        "mine": mine and _shown(mine, *FILE_FIELDS),
        "theirs": conflict and _shown(vars(conflict), *FILE_FIELDS),
        "saved_by": conflict and _saved_by(conflict, FILE_WRITES),
    }
    return render(request, "cases/file_edit.html", context, status=409 if conflict else 200)


@login_required
def team(request, file_uuid):
    file = access.get_file_for_user(request.user, file_uuid, "case.team.viewed")
    access.require(access.can_manage_file(request.user, file))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "remove":
        return _remove_member(request, file)
    org = file.organisation_id
    add_form = TeamForm(
        request.POST if action == "add" else None, organisation_id=org, prefix="add"
    )
    manager_form = TeamForm(
        request.POST if action == "manager" else None, organisation_id=org, prefix="manager"
    )
    form = add_form if action == "add" else manager_form
    if action in ("add", "manager") and form.is_valid():
        user = form.cleaned_data["user"]
        try:
            if action == "manager":
                services.change_manager(file, user, actor=request.user)
            elif file.team.filter(user=user).exists():
                raise ValidationError({"user": _("This colleague is already on the team.")})
            else:
                services.add_team_member(file, user, actor=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if action == "manager":
                messages.success(request, _("The case manager is changed."))
                return _redirect_to_file(file)
            messages.success(request, _("The colleague is on the team."))
            return redirect("cases:team", file_uuid=file.uuid)
    context = {
        **_file_context(request, file),
        "team": file.team.select_related("user").order_by("role", "user__full_name"),
        "add_form": add_form,
        "manager_form": manager_form,
    }
    return render(request, "cases/team.html", context)


def _remove_member(request, file):
    try:
        user_id = int(request.POST.get("user", ""))
    except ValueError:
        raise Http404 from None
    if not 0 < user_id < 2**63:
        raise Http404
    member = file.team.filter(user_id=user_id).select_related("user").first()
    if member is None:
        raise Http404
    try:
        services.remove_team_member(file, member.user, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The colleague is no longer on the team."))
    return redirect("cases:team", file_uuid=file.uuid)


@login_required
def close(request, file_uuid):
    file = access.get_file_for_user(request.user, file_uuid, "case.file.viewed")
    access.require(access.can_manage_file(request.user, file))
    form = CloseForm(_posted(request), initial={"version": file.version})
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("closure_reason", "outcome", "closure_note")}
        try:
            services.close_file(
                file, data, actor=request.user, expected_version=form.cleaned_data["version"]
            )
        except services.EditConflict as error:
            conflict = error.current
            form = _rebased(CloseForm, request.POST, conflict.version)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The file is closed."))
            return _redirect_to_file(file)
    context = {
        **_file_context(request, file),
        "form": form,
        "conflict": conflict,
        "saved_by": conflict and _saved_by(conflict, FILE_WRITES),
    }
    return render(request, "cases/close.html", context, status=409 if conflict else 200)


@login_required
@require_POST
def reopen(request, file_uuid):
    file = access.get_file_for_user(request.user, file_uuid, "case.file.viewed")
    access.require(access.can_manage_file(request.user, file))
    try:
        services.reopen_file(file, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The file is open again."))
    return _redirect_to_file(file)


# --- reveal and export: re-enter the second factor first ------------------------------------


@login_required
@step_up_required
@never_cache
def reveal(request, file_uuid):
    file = access.get_file_for_user(request.user, file_uuid, "case.reveal.viewed")
    number = ""
    if request.method == "POST" and file.person.national_number:
        number = services.reveal_national_number(file, actor=request.user)
    context = {**_file_context(request, file), "number": number}
    return render(request, "cases/reveal.html", context)


@login_required
@step_up_required
@never_cache
def export(request, file_uuid):
    file = access.get_file_for_user(request.user, file_uuid, "case.export.viewed")
    access.require(access.can_manage_file(request.user, file))
    if request.method == "POST":
        response = HttpResponse(
            services.export_file(file, actor=request.user),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(
            True, f"{file.person.handle}.json"
        )
        return response
    return render(request, "cases/export.html", _file_context(request, file))


# --- journal ----------------------------------------------------------------------------------


@login_required
def entry_create(request, file_uuid):
    file = access.get_file_for_user(request.user, file_uuid, "case.file.viewed")
    access.require(access.can_edit_file(request.user, file))
    initial = {"kind": EntryKind.NOTE, "occurred_on": timezone.localdate()}
    form = EntryForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        services.add_entry(file, form.data_for_service(), actor=request.user)
        messages.success(request, _("The journal entry is saved."))
        return _redirect_to_file(file)
    return render(request, "cases/entry_form.html", {**_file_context(request, file), "form": form})


@login_required
def entry_edit(request, file_uuid, entry_uuid):
    entry = access.get_child_for_user(
        request.user, JournalEntry, file_uuid, entry_uuid, "case.journal.viewed"
    )
    file = entry.file
    access.require(access.can_edit_file(request.user, file))
    initial = {
        "kind": entry.kind,
        "occurred_on": entry.occurred_on,
        "text": entry.text,
        "version": entry.version,
    }
    form = EntryForm(_posted(request), initial=initial)
    conflict = mine = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_entry(
                entry,
                form.data_for_service(),
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except services.EditConflict as error:
            conflict = error.current
            mine = _shown(form.cleaned_data, *ENTRY_FIELDS)
            form = _rebased(EntryForm, request.POST, conflict.version)
        else:
            messages.success(request, _("The journal entry is saved."))
            return _redirect_to_file(file)
    context = {
        **_file_context(request, file),
        "entry": entry,
        "form": form,
        "conflict": conflict,
        "mine": mine,
        "theirs": conflict and _shown(vars(conflict), *ENTRY_FIELDS),
        "saved_by": conflict and _saved_by(conflict, ["case.journal.updated"]),
    }
    return render(request, "cases/entry_form.html", context, status=409 if conflict else 200)


# --- evaluations ------------------------------------------------------------------------------


@login_required
def evaluation_create(request, file_uuid):
    file = access.get_file_for_user(request.user, file_uuid, "case.file.viewed")
    access.require(access.can_edit_file(request.user, file))
    form = EvaluationForm(_posted(request), initial={"evaluated_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        evaluation = services.add_evaluation(file, form.data_for_service(), actor=request.user)
        messages.success(request, _("The evaluation is signed and saved."))
        return redirect("cases:evaluation", file_uuid=file.uuid, evaluation_uuid=evaluation.uuid)
    context = {**_file_context(request, file), "form": form}
    return render(request, "cases/evaluation_form.html", context)


@login_required
def evaluation_detail(request, file_uuid, evaluation_uuid):
    evaluation = access.get_child_for_user(
        request.user, Evaluation, file_uuid, evaluation_uuid, "case.evaluation.viewed"
    )
    spheres = [
        (label, [(part_label, parts.get(part, "")) for part, part_label in SPHERE_PARTS])
        for key, label in Sphere.choices
        if (parts := evaluation.spheres.get(key))
    ]
    context = {
        **_file_context(request, evaluation.file),
        "evaluation": evaluation,
        "spheres": spheres,
    }
    return render(request, "cases/evaluation_detail.html", context)


# --- the guidance plan ------------------------------------------------------------------------


class PlanGoalFormSet(GoalFormSet):  # type: ignore[valid-type,misc]
    """The plan's goals. A new row starts with no sphere and "planned": otherwise the
    browser's first options would make an untouched blank row look filled in, and fail."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.fields["sphere"].choices = [("", "---------"), *Sphere.choices]
        form.fields["progress"].initial = Progress.PLANNED
        return form


def _posted_plan(request, file) -> GuidancePlan | None:
    """The plan version the editor loaded (a hidden field), so that a draft approved
    meanwhile is refused rather than a new draft silently written."""
    try:
        plan_uuid = uuid.UUID(request.POST.get("plan", ""))
    except ValueError:
        return None
    return file.plans.filter(uuid=plan_uuid).first()


def _goal_rows(goals) -> list[dict]:
    spheres, progress = dict(Sphere.choices), dict(Progress.choices)
    return [
        {
            "sphere": spheres.get(goal["sphere"], goal["sphere"]),
            "description": goal["description"],
            "partner": goal["partner"],
            "progress": progress.get(goal["progress"], goal["progress"]),
        }
        for goal in goals
    ]


@login_required
def plan_edit(request, file_uuid):
    file = access.get_file_for_user(request.user, file_uuid, "case.plan.viewed")
    access.require(access.can_edit_file(request.user, file))
    plan = (_posted_plan(request, file) if request.method == "POST" else None) or (
        services.draft_plan(file, actor=request.user)
    )
    plan.file = file
    initial = {
        "phase": plan.phase,
        "context": plan.context,
        "review_on": plan.review_on,
        "version": plan.version,
    }
    goals_initial = [
        {field: getattr(goal, field) for field in services.GOAL_FIELDS}
        for goal in plan.goals.select_related("partner")
    ]
    form = PlanForm(_posted(request), initial=initial)
    goals = PlanGoalFormSet(_posted(request), initial=goals_initial, prefix="goals")
    conflict = mine = None
    if request.method == "POST" and form.is_valid() and goals.is_valid():
        data = {k: form.cleaned_data[k] for k in PLAN_FIELDS}
        try:
            plan = services.save_plan(
                plan,
                data,
                goals_from(goals),
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except services.EditConflict as error:
            conflict = error.current
            mine = {**_shown(data, *PLAN_FIELDS), "goals": _goal_rows(goals_from(goals))}
            form = _rebased(PlanForm, request.POST, conflict.version)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The draft plan is saved."))
            return redirect("cases:plan", file_uuid=file.uuid, plan_uuid=plan.uuid)
    theirs = None
    if conflict is not None:
        saved_goals = [
            {field: getattr(goal, field) for field in services.GOAL_FIELDS}
            for goal in conflict.goals.select_related("partner")
        ]
        theirs = {**_shown(vars(conflict), *PLAN_FIELDS), "goals": _goal_rows(saved_goals)}
    context = {
        **_file_context(request, file),
        "plan": plan,
        "form": form,
        "goals": goals,
        "conflict": conflict,
        "mine": mine,
        "theirs": theirs,
        "saved_by": conflict and _saved_by(conflict, ["case.plan.saved", "case.plan.approved"]),
    }
    return render(request, "cases/plan_form.html", context, status=409 if conflict else 200)


@login_required
def plan_detail(request, file_uuid, plan_uuid):
    plan = access.get_child_for_user(
        request.user, GuidancePlan, file_uuid, plan_uuid, "case.plan.viewed"
    )
    context = {
        **_file_context(request, plan.file),
        "plan": plan,
        "goals": plan.goals.select_related("partner"),
        "is_draft": plan.status == PlanStatus.DRAFT,
    }
    return render(request, "cases/plan_detail.html", context)


@login_required
@require_POST
def plan_approve(request, file_uuid, plan_uuid):
    plan = access.get_child_for_user(
        request.user, GuidancePlan, file_uuid, plan_uuid, "case.plan.viewed"
    )
    access.require(access.can_manage_file(request.user, plan.file))
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.approve_plan(plan, actor=request.user, expected_version=version)
    except services.EditConflict:
        messages.error(
            request,
            _("The draft changed since you opened it: read it again before approving it."),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The plan is approved."))
    return redirect("cases:plan", file_uuid=plan.file.uuid, plan_uuid=plan.uuid)


# --- conditions imposed by a judge ------------------------------------------------------------


@login_required
def condition_create(request, file_uuid):
    file = access.get_file_for_user(request.user, file_uuid, "case.file.viewed")
    access.require(access.can_edit_file(request.user, file))
    form = ConditionForm(_posted(request), organisation_id=file.organisation_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_condition(file, form.cleaned_data, actor=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The condition is recorded."))
            return _redirect_to_file(file)
    context = {**_file_context(request, file), "form": form}
    return render(request, "cases/condition_form.html", context)


@login_required
def condition_check(request, file_uuid, condition_uuid):
    condition = access.get_child_for_user(
        request.user, Condition, file_uuid, condition_uuid, "case.condition.viewed"
    )
    file = condition.file
    access.require(access.can_edit_file(request.user, file))
    form = ConditionCheckForm(_posted(request), initial={"checked_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        services.check_condition(condition, form.cleaned_data, actor=request.user)
        messages.success(request, _("The follow-up is recorded."))
        return _redirect_to_file(file)
    context = {
        **_file_context(request, file),
        "condition": condition,
        "checks": condition.checks.select_related("author"),
        "form": form,
    }
    return render(request, "cases/condition_check.html", context)


# --- attachments ------------------------------------------------------------------------------


@login_required
def attachment_create(request, file_uuid):
    file = access.get_file_for_user(request.user, file_uuid, "case.file.viewed")
    access.require(access.can_edit_file(request.user, file))
    form = AttachmentForm(_posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_attachment(file, form.cleaned_data["upload"], actor=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The document is added."))
            return _redirect_to_file(file)
    context = {**_file_context(request, file), "form": form}
    return render(request, "cases/attachment_form.html", context)


@login_required
@never_cache
def attachment(request, file_uuid, attachment_uuid):
    item = access.get_child_for_user(
        request.user, Attachment, file_uuid, attachment_uuid, "case.attachment.downloaded"
    )
    try:
        content = services.attachment_bytes(item)
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(content, content_type=item.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, item.name)
    return response
