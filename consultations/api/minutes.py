"""The minutes of a meeting: reading, writing and approving them."""

from uuid import UUID

from ninja import Status

from audit.services import record
from consultations import access, services
from consultations.api.common import _conflict_detail, _meeting, _minutes_out, router
from consultations.api.schemas import (
    ConsultationMeetingConflictOut,
    ConsultationMinutesIn,
    ConsultationMinutesOut,
)
from consultations.forms import MinutesForm
from consultations.models import Meeting
from core.api import AUTHENTICATED, require_write
from core.forms import raise_form_errors

# --- Minutes -----------------------------------------------------------------------------------


@router.get(
    "/meetings/{meeting_uuid}/minutes",
    response=ConsultationMinutesOut,
    auth=AUTHENTICATED,
    url_name="get_consultation_minutes",
    summary="The minutes of a meeting (members of the cell)",
)
def get_consultation_minutes(request, meeting_uuid: UUID):
    meeting = _meeting(request, meeting_uuid)
    minutes = access.get_minutes_for_user(request.auth, meeting)
    if minutes is not None:
        record("consultation.minutes.read", actor=request.auth, target=minutes, via="api")
    return _minutes_out(request, meeting, minutes)


@router.put(
    "/meetings/{meeting_uuid}/minutes",
    response={200: ConsultationMinutesOut, 409: ConsultationMeetingConflictOut},
    auth=AUTHENTICATED,
    url_name="put_consultation_minutes",
    summary="Write the minutes of a held meeting until they are approved "
    "(the meeting's chair or secretary)",
)
def put_consultation_minutes(request, meeting_uuid: UUID, payload: ConsultationMinutesIn):
    require_write(request)
    meeting = _meeting(request, meeting_uuid)
    access.get_minutes_for_user(request.auth, meeting)
    access.require(access.can_record(request.auth, meeting))
    form = MinutesForm(payload.dict())
    raise_form_errors(form)
    try:
        minutes = services.write_minutes(
            meeting,
            form.cleaned_data["text"],
            form.cleaned_data["version"],
            acting_user=request.auth,
        )
    except services.EditConflict as conflict:
        return Status(
            409, {"detail": _conflict_detail(), "current_version": conflict.current.version}
        )
    return _minutes_out(request, meeting, minutes)


@router.post(
    "/meetings/{meeting_uuid}/minutes/approve",
    response=ConsultationMinutesOut,
    auth=AUTHENTICATED,
    url_name="approve_consultation_minutes",
    summary="At this meeting, approve the minutes of the cell's previous meeting (the chair)",
)
def approve_consultation_minutes(request, meeting_uuid: UUID):
    require_write(request)
    meeting = _meeting(request, meeting_uuid)
    minutes = services.approve_minutes(meeting, acting_user=request.auth)
    previous = Meeting.objects.select_related("cell").get(pk=minutes.meeting_id)
    return _minutes_out(request, previous, minutes)
