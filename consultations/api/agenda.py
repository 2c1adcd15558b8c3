"""The agenda: cases, the identity behind a handle, the discussion, actions and
invitations; the consensus and the information sheet."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Status

from audit.services import record
from consultations import access, services
from consultations.api.common import (
    TEXT_PLAIN,
    _agenda_item,
    _case,
    _case_out,
    _conflict_detail,
    _consensus_out,
    _discussion,
    _meeting,
    router,
)
from consultations.api.schemas import (
    ConsultationActionDoneIn,
    ConsultationActionIn,
    ConsultationActionOut,
    ConsultationAgendaItemOut,
    ConsultationAnswersIn,
    ConsultationCaseIn,
    ConsultationCaseOut,
    ConsultationConsensusIn,
    ConsultationConsensusOut,
    ConsultationDiscussionConflictOut,
    ConsultationDiscussionIn,
    ConsultationDiscussionOut,
    ConsultationIdentityOut,
    ConsultationInvitationIn,
    ConsultationInvitationOut,
)
from consultations.forms import (
    ActionDoneForm,
    ActionForm,
    AddCaseForm,
    ConsensusRequestForm,
    DiscussionForm,
    InviteForm,
    VotesForm,
)
from consultations.models import CaseAction, Consensus, ConsensusStatus, Invitation
from core.api import AUTHENTICATED, ErrorOut, require_write, step_up_refused
from core.forms import raise_form_errors

# --- The agenda ------------------------------------------------------------------------------


@router.post(
    "/meetings/{meeting_uuid}/cases",
    response={201: ConsultationAgendaItemOut},
    auth=AUTHENTICATED,
    url_name="add_consultation_case",
    summary="Put a person shared with the cell on the agenda, by handle (those who prepare it)",
)
def add_consultation_case(request, meeting_uuid: UUID, payload: ConsultationCaseIn):
    require_write(request)
    meeting = _meeting(request, meeting_uuid)
    access.require(access.can_prepare(request.auth, meeting.cell_id))
    form = AddCaseForm(payload.dict(), meeting=meeting)
    raise_form_errors(form)
    case = services.add_case(
        meeting,
        form.cleaned_data["handle"],
        form.cleaned_data["presented_by"],
        acting_user=request.auth,
    )
    return Status(201, _agenda_item(case))


@router.get(
    "/meetings/{meeting_uuid}/cases/{case_id}",
    response=ConsultationCaseOut,
    auth=AUTHENTICATED,
    url_name="get_consultation_case",
    summary="A case: contributions in force, open actions, discussion, actions, consensus",
)
def get_consultation_case(request, meeting_uuid: UUID, case_id: int):
    meeting, case = _case(request, meeting_uuid, case_id)
    return _case_out(request, meeting, case)


@router.delete(
    "/meetings/{meeting_uuid}/cases/{case_id}",
    response={204: None},
    auth=AUTHENTICATED,
    url_name="remove_consultation_case",
    summary="Take a case without actions off the agenda of a planned meeting "
    "(those who prepare it)",
)
def remove_consultation_case(request, meeting_uuid: UUID, case_id: int):
    require_write(request)
    _meeting_found, case = _case(request, meeting_uuid, case_id)
    services.remove_case(case, acting_user=request.auth)
    return Status(204, None)


@router.post(
    "/meetings/{meeting_uuid}/cases/{case_id}/identity",
    response=ConsultationIdentityOut,
    auth=AUTHENTICATED,
    url_name="reveal_consultation_identity",
    summary="Who the handle stands for (members; the participant invited for the case): "
    "each look is recorded",
)
def reveal_consultation_identity(request, meeting_uuid: UUID, case_id: int):
    _meeting_found, case = _case(request, meeting_uuid, case_id)
    access.require(access.entitled_to_identity(request.auth, case))
    person = case.person
    record(
        "consultation.identity.revealed",
        actor=request.auth,
        target=case,
        subject=person.uuid,
        via="api",
    )
    return {
        "handle": person.handle,
        "name": person.full_name,
        "date_of_birth": person.date_of_birth,
        "municipality": person.municipality,
    }


@router.put(
    "/meetings/{meeting_uuid}/cases/{case_id}/discussion",
    response={200: ConsultationDiscussionOut, 409: ConsultationDiscussionConflictOut},
    auth=AUTHENTICATED,
    url_name="put_consultation_discussion",
    summary="Record the summary, decisions and whether the case was discussed "
    "(the meeting's chair or secretary)",
)
def put_consultation_discussion(
    request, meeting_uuid: UUID, case_id: int, payload: ConsultationDiscussionIn
):
    require_write(request)
    meeting, case = _case(request, meeting_uuid, case_id)
    access.require(access.can_record(request.auth, meeting))
    form = DiscussionForm(payload.dict())
    raise_form_errors(form)
    try:
        saved = services.record_discussion(
            case, form.data_for_service(), form.cleaned_data["version"], acting_user=request.auth
        )
    except services.EditConflict as conflict:
        current = conflict.current
        return Status(
            409,
            {
                "detail": _conflict_detail(),
                "current_version": current.version,
                "current": _discussion(current),
            },
        )
    return _discussion(saved)


@router.post(
    "/meetings/{meeting_uuid}/cases/{case_id}/actions",
    response={201: ConsultationActionOut},
    auth=AUTHENTICATED,
    url_name="add_consultation_action",
    summary="Ask an organisation to do something about the person by a date "
    "(the meeting's chair or secretary)",
)
def add_consultation_action(
    request, meeting_uuid: UUID, case_id: int, payload: ConsultationActionIn
):
    require_write(request)
    meeting, case = _case(request, meeting_uuid, case_id)
    access.require(access.can_record(request.auth, meeting))
    form = ActionForm(payload.dict(), case=case)
    raise_form_errors(form)
    action = services.add_action(case, form.cleaned_data, acting_user=request.auth)
    return Status(
        201, CaseAction.objects.select_related("owner", "case__meeting").get(pk=action.pk)
    )


@router.post(
    "/actions/{action_id}/done",
    response=ConsultationActionOut,
    auth=AUTHENTICATED,
    url_name="complete_consultation_action",
    summary="Record the follow-up of an action and mark it done "
    "(those who prepare the cell's meetings, the meeting's chair or secretary)",
)
def complete_consultation_action(request, action_id: int, payload: ConsultationActionDoneIn):
    require_write(request)
    action = access.get_action_for_user(request.auth, action_id)
    allowed = access.can_prepare(request.auth, action.cell_id) or access.can_record(
        request.auth, action.case.meeting
    )
    access.require(allowed)
    form = ActionDoneForm(
        {"follow_up": payload.follow_up, "done_on": payload.done_on or timezone.localdate()}
    )
    raise_form_errors(form)
    return services.complete_action(
        action,
        form.cleaned_data["follow_up"],
        form.cleaned_data["done_on"],
        acting_user=request.auth,
    )


@router.post(
    "/meetings/{meeting_uuid}/cases/{case_id}/invitations",
    response={201: ConsultationInvitationOut},
    auth=AUTHENTICATED,
    url_name="invite_to_consultation_case",
    summary="Invite a professional for this case only, with the reason (those who prepare it)",
)
def invite_to_consultation_case(
    request, meeting_uuid: UUID, case_id: int, payload: ConsultationInvitationIn
):
    require_write(request)
    meeting, case = _case(request, meeting_uuid, case_id)
    access.require(access.can_prepare(request.auth, meeting.cell_id))
    form = InviteForm(payload.dict())
    raise_form_errors(form)
    invitation = services.invite(
        case, form.cleaned_data["email"], form.cleaned_data["reason"], acting_user=request.auth
    )
    return Status(
        201, Invitation.objects.select_related("user__organisation").get(pk=invitation.pk)
    )


# --- Consensus and the information sheet -------------------------------------------------------


@router.post(
    "/meetings/{meeting_uuid}/cases/{case_id}/consensus",
    response={201: ConsultationConsensusOut},
    auth=AUTHENTICATED,
    url_name="request_consultation_consensus",
    summary="Ask the members present whether an information sheet on the discussed person "
    "may go to OCAM/CUTA (the police member)",
)
def request_consultation_consensus(
    request, meeting_uuid: UUID, case_id: int, payload: ConsultationConsensusIn
):
    require_write(request)
    meeting, case = _case(request, meeting_uuid, case_id)
    access.require(access.is_police_member(request.auth, meeting.cell_id))
    form = ConsensusRequestForm(payload.dict())
    raise_form_errors(form)
    consensus = services.request_consensus(
        case, form.cleaned_data["purpose"], acting_user=request.auth
    )
    return Status(201, _consensus_out(consensus))


@router.post(
    "/meetings/{meeting_uuid}/cases/{case_id}/consensus/answers",
    response=ConsultationConsensusOut,
    auth=AUTHENTICATED,
    url_name="record_consultation_answers",
    summary="Record the answer of every member present (the chair): "
    "reached only if all agree, and then the sheet is made",
)
def record_consultation_answers(
    request, meeting_uuid: UUID, case_id: int, payload: ConsultationAnswersIn
):
    require_write(request)
    meeting, case = _case(request, meeting_uuid, case_id)
    access.require(access.can_chair(request.auth, meeting))
    consensus = Consensus.objects.filter(case=case, status=ConsensusStatus.OPEN).first()
    if consensus is None:
        raise ValidationError(_("No consensus is being recorded for this case."))
    consensus.case = case
    answers = {f"vote_{pk}": "yes" if agrees else "no" for pk, agrees in payload.answers.items()}
    form = VotesForm(answers, case=case)
    if set(payload.answers) != {seat.pk for seat in form.voters}:
        raise ValidationError({"answers": [_("Record the answer of every member present.")]})
    raise_form_errors(form)
    consensus = services.record_votes(consensus, form.answers(), acting_user=request.auth)
    return _consensus_out(consensus)


@router.get(
    "/sheets/{sheet_uuid}",
    response={403: ErrorOut, 404: ErrorOut},
    auth=AUTHENTICATED,
    url_name="download_consultation_sheet",
    summary="Download the information sheet, watermarked (a police member of the cell; "
    "step-up: X-Synergie-OTP)",
    openapi_extra={"responses": {200: {"description": "The sheet as text", "content": TEXT_PLAIN}}},
)
def download_consultation_sheet(request, sheet_uuid: UUID):
    sheet = access.get_sheet_for_user(request.auth, sheet_uuid)
    refused = step_up_refused(request)
    if refused:
        return refused
    text = services.sheet_download(sheet, acting_user=request.auth)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"information-sheet-{sheet.uuid}.txt"
    )
    add_never_cache_headers(response)
    return response
