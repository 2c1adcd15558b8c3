"""Case files: reading, exporting, changing, closing and reopening them; their team and timeline."""

import re
from typing import Any
from uuid import UUID

from django import forms
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from ninja import Query, Status
from ninja.pagination import paginate

from cases import access, search, services
from cases.api.common import (
    AuditedCursorPagination,
    _blank,
    _conflict_detail,
    _contribution_status,
    _file,
    _file_out,
    _keyed,
    _managed,
    _writable,
    router,
)
from cases.api.file_schemas import (
    CaseFileFilter,
    CloseIn,
    FileConflictOut,
    FileListOut,
    FileOut,
    FilePatch,
    NationalNumberOut,
    TeamMemberIn,
    TeamMemberOut,
    TimelineFilter,
    TimelineOut,
)
from cases.forms import CaseFilterForm, CloseForm, FileForm, TeamForm
from cases.models import CaseFile, TeamMember, TeamRole
from cases.timeline import TIMELINE_KINDS, TIMELINE_LIMIT, file_timeline
from core.api import AUTHENTICATED, ErrorOut, display_name, step_up_refused
from core.forms import raise_form_errors

# --- Files ------------------------------------------------------------------------------------


@router.get(
    "/files",
    response=list[FileListOut],
    auth=AUTHENTICATED,
    summary="The files of your cases, with filters",
)
@paginate(
    AuditedCursorPagination,
    ordering=("-id",),
    action="case.file.listed",
    target_type="cases.casefile",
    person=lambda file: file.person.uuid,
    complete=lambda request, files: _complete_rows(request.auth, files),
)
def list_case_files(request, filters: Query[CaseFileFilter]):
    form = CaseFilterForm({k: v for k, v in filters.dict().items() if v is not None})
    raise_form_errors(form)
    files = access.team_files(request.auth).select_related("person", "organisation")
    return search.filter_files(files, form)


def _complete_rows(user, files: list[CaseFile]) -> None:
    """The user's role and the "referral overdue" flag of a page of files, two queries for
    the page: as subqueries of the list's, PostgreSQL may hash every open referral before
    it has chosen the page (bench/CASES.md, finding 4)."""
    ids = [file.pk for file in files]
    roles = dict(TeamMember.objects.filter(file__in=ids, user=user).values_list("file_id", "role"))
    overdue = search.with_overdue_referrals(ids)
    for file in files:
        file.my_role = roles.get(file.pk, "")  # type: ignore[attr-defined]
        file.referral_overdue = file.pk in overdue  # type: ignore[attr-defined]


@router.get(
    "/files/{file_uuid}",
    response=FileOut,
    auth=AUTHENTICATED,
    summary="A file with its person header",
)
def get_case_file(request, file_uuid: UUID):
    return _file(request, file_uuid, "case.file.viewed")


@router.post(
    "/files/{file_uuid}/reveal-national-number",
    response={200: NationalNumberOut, 403: ErrorOut},
    auth=AUTHENTICATED,
    summary="Reveal the person's national number (step-up: X-Synergie-OTP)",
)
def reveal_national_number(request, file_uuid: UUID):
    file = _file(request, file_uuid)
    refused = step_up_refused(request)
    if refused:
        return refused
    return {"national_number": services.reveal_national_number(file, actor=request.auth)}


@router.get(
    "/files/{file_uuid}/export",
    response={200: dict[str, Any], 403: ErrorOut},
    auth=AUTHENTICATED,
    summary="The whole agency file as JSON (case manager; step-up: X-Synergie-OTP)",
)
def export_case_file(request, file_uuid: UUID):
    file = _file(request, file_uuid)
    access.require(access.can_manage_file(request.auth, file))
    refused = step_up_refused(request)
    if refused:
        return refused
    response = HttpResponse(
        services.export_file(file, actor=request.auth), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{file.person.handle}.json"'
    return response


@router.patch(
    "/files/{file_uuid}",
    response={200: FileOut, 409: FileConflictOut},
    auth=AUTHENTICATED,
    summary="Change a file's phase, context or next review (its team)",
)
def patch_case_file(request, file_uuid: UUID, payload: FilePatch):
    file = _writable(request, file_uuid)
    data = {
        "phase": file.phase,
        "context": file.context,
        "next_review_on": _blank(file.next_review_on),
        "version": payload.version,
    }
    patch = payload.dict(exclude_unset=True, exclude={"version"})
    data.update({name: _blank(value) for name, value in patch.items()})
    form = FileForm(data)
    raise_form_errors(form)
    changes = {k: form.cleaned_data[k] for k in ("phase", "context", "next_review_on")}
    try:
        updated = services.update_file(
            file, changes, actor=request.auth, expected_version=payload.version
        )
    except services.EditConflict as conflict:
        return Status(409, _file_conflict(conflict.current))
    return _file_out(updated, file)


def _file_conflict(current: CaseFile) -> dict:
    return {
        "detail": _conflict_detail(),
        "current_version": current.version,
        "phase": current.phase,
        "context": current.context,
        "next_review_on": current.next_review_on,
        "status": current.status,
    }


@router.post(
    "/files/{file_uuid}/close",
    response={200: FileOut, 409: FileConflictOut},
    auth=AUTHENTICATED,
    summary="Close a file with reason and outcome (case manager)",
)
def close_case_file(request, file_uuid: UUID, payload: CloseIn):
    file = _managed(request, file_uuid)
    form = CloseForm(payload.dict())
    raise_form_errors(form)
    data = {k: form.cleaned_data[k] for k in ("closure_reason", "outcome", "closure_note")}
    try:
        updated = services.close_file(
            file, data, actor=request.auth, expected_version=payload.version
        )
    except services.EditConflict as conflict:
        return Status(409, _file_conflict(conflict.current))
    return _file_out(updated, file)


@router.post(
    "/files/{file_uuid}/reopen",
    response=FileOut,
    auth=AUTHENTICATED,
    summary="Reopen a closed file (case manager)",
)
def reopen_case_file(request, file_uuid: UUID):
    file = _managed(request, file_uuid)
    return services.reopen_file(file, actor=request.auth)


# --- Team -------------------------------------------------------------------------------------


def _team(file: CaseFile) -> QuerySet[TeamMember]:
    return file.team.select_related("user").order_by("role", "user__full_name")


def _colleague(file: CaseFile, payload: TeamMemberIn):
    """The case worker of the file's organisation named by e-mail, as the page's form has it."""
    form = TeamForm({"user": payload.user}, organisation_id=file.organisation_id)
    _keyed(form, user="email")
    raise_form_errors(form)
    return form.cleaned_data["user"]


@router.get(
    "/files/{file_uuid}/team",
    response=list[TeamMemberOut],
    auth=AUTHENTICATED,
    summary="The case team of a file (case manager)",
)
def list_case_team(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.team.viewed")
    access.require(access.can_manage_file(request.auth, file))
    return list(_team(file))


@router.post(
    "/files/{file_uuid}/team",
    response={201: TeamMemberOut},
    auth=AUTHENTICATED,
    summary="Add a case worker of the organisation to the case team (case manager)",
)
def add_case_team_member(request, file_uuid: UUID, payload: TeamMemberIn):
    file = _managed(request, file_uuid)
    user = _colleague(file, payload)
    services.add_team_member(file, user, actor=request.auth)
    return Status(201, _team(file).get(user=user))


@router.delete(
    "/files/{file_uuid}/team/{member}",
    response={204: None},
    auth=AUTHENTICATED,
    summary="Take a colleague, by e-mail or user id, off the case team (case manager)",
)
def remove_case_team_member(request, file_uuid: UUID, member: str):
    file = _managed(request, file_uuid)
    if re.fullmatch(r"[0-9]{1,18}", member):
        seat = _team(file).filter(user_id=int(member)).first()
    else:
        seat = _team(file).filter(user__email__iexact=member).first()
    if seat is None:
        raise Http404
    services.remove_team_member(file, seat.user, actor=request.auth)
    return Status(204, None)


@router.post(
    "/files/{file_uuid}/manager",
    response=FileOut,
    auth=AUTHENTICATED,
    summary="Make a case worker of the organisation the case manager (case manager)",
)
def change_case_manager(request, file_uuid: UUID, payload: TeamMemberIn):
    file = _managed(request, file_uuid)
    user = _colleague(file, payload)
    updated = _file_out(services.change_manager(file, user, actor=request.auth), file)
    # the former case manager stays on the team as a member
    role = TeamRole.MANAGER if user.pk == request.auth.pk else TeamRole.MEMBER
    updated.my_role = role  # type: ignore[attr-defined]
    return updated


# --- Timeline -----------------------------------------------------------------------------------


class _KindFilterForm(forms.Form):
    """Validates the timeline's ?kind= in the user's language."""

    kind = forms.ChoiceField(required=False, choices=[("", ""), *TIMELINE_KINDS.items()])


# What the API tells of each type of timeline item (the file's page shows the same).
_TIMELINE_ROWS = {
    "journal": lambda e: {
        "id": e.uuid,
        "at": e.created_at,
        "by": display_name(e.author),
        "detail": e.kind,
        "text": e.text,
    },
    "evaluation": lambda e: {
        "id": e.uuid,
        "at": e.signed_at,
        "by": display_name(e.author),
        "text": e.summary,
    },
    "plan": lambda p: {
        "id": p.uuid,
        "at": p.approved_at or p.created_at,
        "by": display_name(p.approved_by or p.created_by),
        "detail": str(p.number),
        "status": p.status,
    },
    "contribution": lambda c: {
        "id": c.uuid,
        "at": c.created_at,
        "by": display_name(c.author),
        "detail": c.kind,
        "text": c.text,
        "status": _contribution_status(c),
    },
    "referral": lambda r: {
        "id": r.uuid,
        "at": r.sent_at,
        "by": display_name(r.sent_by),
        "detail": str(r.service),
        "status": r.status,
        "overdue": r.is_overdue,
    },
    "condition": lambda c: {"id": c.uuid, "by": c.imposed_by, "text": c.text},
    "check": lambda c: {
        "id": c.condition.uuid,
        "by": display_name(c.author),
        "text": c.note,
        "status": c.compliance,
    },
}


@router.get(
    "/files/{file_uuid}/timeline",
    response=TimelineOut,
    auth=AUTHENTICATED,
    summary="A file's history, newest first: everything, or one kind (?kind=)",
)
def get_timeline(request, file_uuid: UUID, filters: Query[TimelineFilter]):
    form = _KindFilterForm({"kind": filters.kind or ""})
    raise_form_errors(form)
    file = _file(request, file_uuid, "case.timeline.viewed")
    items, truncated = file_timeline(file, form.cleaned_data["kind"])
    rows = [
        {
            "type": item["type"],
            "kind": item["kind"],
            "on": item["key"][0],
            **_TIMELINE_ROWS[item["type"]](item["obj"]),
        }
        for item in items
    ]
    return {"items": rows, "truncated": truncated, "limit": TIMELINE_LIMIT}
