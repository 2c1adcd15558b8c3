"""What a file holds: journal, evaluations, guidance plans, judges' conditions and documents."""

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.datastructures import MultiValueDict
from django.utils.http import content_disposition_header
from ninja import File, Status, UploadedFile
from ninja.pagination import CursorPagination, paginate

from cases import access, services
from cases.api.common import _blank, _conflict_detail, _file, _keyed, _writable, router
from cases.api.file_schemas import (
    ApproveIn,
    AttachmentOut,
    CheckIn,
    ConditionIn,
    ConditionOut,
    EntryConflictOut,
    EntryIn,
    EntryOut,
    EntryPatch,
    EvaluationIn,
    EvaluationOut,
    GoalIn,
    GuidancePlanConflictOut,
    GuidancePlanIn,
    GuidancePlanOut,
)
from cases.forms import (
    SPHERE_PARTS,
    AttachmentForm,
    ConditionCheckForm,
    ConditionForm,
    EntryForm,
    EvaluationForm,
    GoalFormSet,
    PlanForm,
    goals_from,
)
from cases.models import (
    Attachment,
    CaseFile,
    Condition,
    ConditionCheck,
    Goal,
    GuidancePlan,
    JournalEntry,
    PlanStatus,
    Sphere,
)
from core.api import AUTHENTICATED, ErrorOut, require_write
from core.forms import raise_form_errors

# --- Journal ----------------------------------------------------------------------------------


@router.get(
    "/files/{file_uuid}/journal",
    response=list[EntryOut],
    auth=AUTHENTICATED,
    summary="The journal of a file, newest first",
)
@paginate(CursorPagination, ordering=("-occurred_on", "-id"))
def list_journal_entries(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.journal.listed")
    return file.journal.select_related("author")


@router.post(
    "/files/{file_uuid}/journal",
    response={201: EntryOut},
    auth=AUTHENTICATED,
    summary="Write a note, contact or event in the journal (the team)",
)
def create_journal_entry(request, file_uuid: UUID, payload: EntryIn):
    file = _writable(request, file_uuid)
    form = EntryForm(
        {
            "kind": payload.kind,
            "occurred_on": payload.occurred_on or timezone.localdate(),
            "text": payload.text,
        }
    )
    raise_form_errors(form)
    entry = services.add_entry(file, form.data_for_service(), actor=request.auth)
    return Status(201, entry)


@router.patch(
    "/files/{file_uuid}/journal/{entry_uuid}",
    response={200: EntryOut, 409: EntryConflictOut},
    auth=AUTHENTICATED,
    summary="Change a journal entry (the team)",
)
def patch_journal_entry(request, file_uuid: UUID, entry_uuid: UUID, payload: EntryPatch):
    require_write(request)
    entry = access.get_child_for_user(
        request.auth, JournalEntry, file_uuid, entry_uuid, "case.journal.viewed"
    )
    access.require(access.can_edit_file(request.auth, entry.file))
    data = {"kind": entry.kind, "occurred_on": entry.occurred_on, "text": entry.text}
    data.update(payload.dict(exclude_unset=True, exclude={"version"}))
    form = EntryForm({name: _blank(value) for name, value in data.items()})
    raise_form_errors(form)
    try:
        return services.update_entry(
            entry, form.data_for_service(), actor=request.auth, expected_version=payload.version
        )
    except services.EditConflict as conflict:
        current = conflict.current
        return Status(
            409,
            {"detail": _conflict_detail(), "current_version": current.version, "current": current},
        )


# --- Evaluations --------------------------------------------------------------------------------


@router.get(
    "/files/{file_uuid}/evaluations",
    response=list[EvaluationOut],
    auth=AUTHENTICATED,
    summary="Signed evaluations of a file, newest first",
)
def list_evaluations(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.evaluation.listed")
    return list(file.evaluations.select_related("author"))


@router.post(
    "/files/{file_uuid}/evaluations",
    response={201: EvaluationOut},
    auth=AUTHENTICATED,
    summary="Sign an evaluation: needs, protective factors and concerns per sphere (the team)",
)
def create_evaluation(request, file_uuid: UUID, payload: EvaluationIn):
    file = _writable(request, file_uuid)
    data = payload.dict(exclude={"spheres"})
    data["evaluated_on"] = data["evaluated_on"] or timezone.localdate()
    for sphere, parts in payload.spheres.items():
        for part, _label in SPHERE_PARTS:
            data[f"{Sphere(sphere).value}__{part}"] = getattr(parts, part)
    form = EvaluationForm({name: _blank(value) for name, value in data.items()})
    raise_form_errors(form)
    evaluation = services.add_evaluation(file, form.data_for_service(), actor=request.auth)
    return Status(201, evaluation)


# --- Guidance plans -----------------------------------------------------------------------------


def _plans(file: CaseFile) -> QuerySet[GuidancePlan]:
    return file.plans.select_related("created_by", "approved_by").prefetch_related(
        Prefetch("goals", queryset=Goal.objects.select_related("partner"))
    )


@router.get(
    "/files/{file_uuid}/plans",
    response=list[GuidancePlanOut],
    auth=AUTHENTICATED,
    summary="Versions of the guidance plan, newest first",
)
def list_guidance_plans(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.plan.listed")
    return list(_plans(file))


def _validated_goals(goals: list[GoalIn]) -> list[dict]:
    rows: dict[str, Any] = {"goals-TOTAL_FORMS": len(goals), "goals-INITIAL_FORMS": 0}
    for index, goal in enumerate(goals):
        for name, value in goal.dict().items():
            rows[f"goals-{index}-{name}"] = _blank(value)
    formset = GoalFormSet(rows, prefix="goals")
    for form in formset.forms:
        _keyed(form, partner="key")
    if not formset.is_valid():
        errors = {
            f"goals.{index}.{field}": list(messages)
            for index, form in enumerate(formset.forms)
            for field, messages in form.errors.items()
        }
        if formset.non_form_errors():
            errors["goals"] = list(formset.non_form_errors())
        raise ValidationError(errors)
    return goals_from(formset)


@router.put(
    "/files/{file_uuid}/plans/draft",
    response={200: GuidancePlanOut, 409: GuidancePlanConflictOut},
    auth=AUTHENTICATED,
    summary="Write the draft of the next plan version, its header and all its goals (the team)",
)
def put_draft_plan(request, file_uuid: UUID, payload: GuidancePlanIn):
    file = _writable(request, file_uuid)
    form = PlanForm(
        {"phase": payload.phase, "context": payload.context, "review_on": payload.review_on}
    )
    raise_form_errors(form)
    goals = _validated_goals(payload.goals)
    had_draft = file.plans.filter(status=PlanStatus.DRAFT).exists()
    draft = services.draft_plan(file, actor=request.auth)
    draft.file = file
    # once a draft exists, whoever saves it must say which version they read (0 never is)
    expected = (payload.version or 0) if had_draft else draft.version
    header = {k: form.cleaned_data[k] for k in ("phase", "context", "review_on")}
    try:
        services.save_plan(draft, header, goals, actor=request.auth, expected_version=expected)
    except services.EditConflict as conflict:
        current = _plans(file).get(pk=conflict.current.pk)
        return Status(
            409,
            {"detail": _conflict_detail(), "current_version": current.version, "current": current},
        )
    return _plans(file).get(pk=draft.pk)


@router.post(
    "/files/{file_uuid}/plans/{plan_uuid}/approve",
    response={200: GuidancePlanOut, 409: GuidancePlanConflictOut},
    auth=AUTHENTICATED,
    summary="Approve the draft plan; the file takes its phase, context and review (manager)",
)
def approve_guidance_plan(request, file_uuid: UUID, plan_uuid: UUID, payload: ApproveIn):
    require_write(request)
    plan = access.get_child_for_user(
        request.auth, GuidancePlan, file_uuid, plan_uuid, "case.plan.viewed"
    )
    access.require(access.can_manage_file(request.auth, plan.file))
    try:
        services.approve_plan(plan, actor=request.auth, expected_version=payload.version)
    except services.EditConflict as conflict:
        current = _plans(plan.file).get(pk=conflict.current.pk)
        return Status(
            409,
            {"detail": _conflict_detail(), "current_version": current.version, "current": current},
        )
    return _plans(plan.file).get(pk=plan.pk)


# --- Conditions -----------------------------------------------------------------------------


def _conditions(file: CaseFile) -> QuerySet[Condition]:
    return file.conditions.select_related("justice_assistant").prefetch_related(
        Prefetch("checks", queryset=ConditionCheck.objects.select_related("author"))
    )


@router.get(
    "/files/{file_uuid}/conditions",
    response=list[ConditionOut],
    auth=AUTHENTICATED,
    summary="Conditions imposed by a judge and their follow-up",
)
def list_conditions(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.condition.listed")
    return list(_conditions(file))


@router.post(
    "/files/{file_uuid}/conditions",
    response={201: ConditionOut},
    auth=AUTHENTICATED,
    summary="Record a condition imposed by a judge (the team)",
)
def create_condition(request, file_uuid: UUID, payload: ConditionIn):
    file = _writable(request, file_uuid)
    form = ConditionForm(
        {name: _blank(value) for name, value in payload.dict().items()},
        organisation_id=file.organisation_id,
    )
    _keyed(form, justice_assistant="email")
    raise_form_errors(form)
    condition = services.add_condition(file, form.cleaned_data, actor=request.auth)
    return Status(201, _conditions(file).get(pk=condition.pk))


@router.post(
    "/files/{file_uuid}/conditions/{condition_uuid}/checks",
    response={201: ConditionOut},
    auth=AUTHENTICATED,
    summary="Record the follow-up of a condition (the team)",
)
def create_condition_check(request, file_uuid: UUID, condition_uuid: UUID, payload: CheckIn):
    require_write(request)
    condition = access.get_child_for_user(
        request.auth, Condition, file_uuid, condition_uuid, "case.condition.viewed"
    )
    access.require(access.can_edit_file(request.auth, condition.file))
    data = payload.dict()
    data["checked_on"] = data["checked_on"] or timezone.localdate()
    form = ConditionCheckForm(data)
    raise_form_errors(form)
    services.check_condition(condition, form.cleaned_data, actor=request.auth)
    return Status(201, _conditions(condition.file).get(pk=condition.pk))


# --- Documents ------------------------------------------------------------------------------


@router.get(
    "/files/{file_uuid}/attachments",
    response=list[AttachmentOut],
    auth=AUTHENTICATED,
    summary="The documents of a file: names and sizes",
)
def list_attachments(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.attachment.listed")
    return list(file.attachments.select_related("uploaded_by").order_by("-uploaded_at", "-id"))


@router.post(
    "/files/{file_uuid}/attachments",
    response={201: AttachmentOut},
    auth=AUTHENTICATED,
    summary="Add a document, stored encrypted: multipart field `upload`, 10 MB at most (the team)",
)
def create_attachment(request, file_uuid: UUID, upload: File[UploadedFile]):
    file = _writable(request, file_uuid)
    form = AttachmentForm(files=MultiValueDict({"upload": [upload]}))
    raise_form_errors(form)
    attachment = services.add_attachment(file, form.cleaned_data["upload"], actor=request.auth)
    return Status(201, attachment)


@router.get(
    "/files/{file_uuid}/attachments/{attachment_uuid}",
    response={404: ErrorOut},
    auth=AUTHENTICATED,
    summary="Download a document, decrypted",
    openapi_extra={
        "responses": {
            200: {
                "description": "The document, with its content type",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download_attachment(request, file_uuid: UUID, attachment_uuid: UUID):
    item = access.get_child_for_user(
        request.auth, Attachment, file_uuid, attachment_uuid, "case.attachment.downloaded"
    )
    try:
        content = services.attachment_bytes(item)
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(content, content_type=item.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, item.name)
    add_never_cache_headers(response)
    return response
