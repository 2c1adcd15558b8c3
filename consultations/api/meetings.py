"""Cells and meetings: scheduling and changing them, their status, calendar file,
confidentiality declaration and attendance register."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Status
from ninja.pagination import CursorPagination, paginate

from consultations import access, composition, ical, services
from consultations.api.common import (
    _conflict_detail,
    _header,
    _meeting,
    _meeting_form,
    _meeting_out,
    _register,
    router,
)
from consultations.api.schemas import (
    ConsultationAttendanceIn,
    ConsultationCellOut,
    ConsultationDeclarationIn,
    ConsultationDeclarationOut,
    ConsultationMeetingConflictOut,
    ConsultationMeetingHeaderOut,
    ConsultationMeetingIn,
    ConsultationMeetingOut,
    ConsultationMeetingPatch,
    ConsultationMeetingRowOut,
    ConsultationSeatOut,
    ConsultationStatusIn,
)
from consultations.forms import AttendanceForm, MeetingForm
from consultations.models import DECLARATION_VERSION, Attendance
from core.api import AUTHENTICATED, ErrorOut, display_name, require_write
from core.forms import raise_form_errors

# --- Cells and meetings ---------------------------------------------------------------------


@router.get(
    "/cells",
    response=list[ConsultationCellOut],
    auth=AUTHENTICATED,
    url_name="list_consultation_cells",
    summary="The cells (LIVC-R) you sit in, with their members today",
)
def list_consultation_cells(request):
    user = request.auth
    cells = list(access.cells_for_user(user).order_by("key"))
    gaps = composition.gaps_told_to(user, cells)
    return [
        {
            "key": cell.key,
            "name": cell.display_name,
            "municipality": cell.municipality,
            "municipalities": cell.municipalities,
            "composition_gaps": gaps.get(cell.pk, []),
            "can_prepare": access.can_prepare(user, cell.pk),
            "members": [
                {"email": member.email, "name": display_name(member)}
                for member in services.member_accounts(cell)
            ],
        }
        for cell in cells
    ]


@router.get(
    "/meetings",
    response=list[ConsultationMeetingRowOut],
    auth=AUTHENTICATED,
    url_name="list_consultations",
    summary="The meetings of your cells and those you are invited to, latest first",
)
@paginate(CursorPagination, ordering=("-starts_at", "-id"))
def list_consultations(request):
    user = request.auth
    signed = Attendance.objects.filter(
        meeting=OuterRef("pk"),
        user=user,
        declaration_signed_at__isnull=False,
        declaration_version=DECLARATION_VERSION,
    )
    return access.visible_meetings(user).select_related("cell").annotate(signed=Exists(signed))


@router.post(
    "/cells/{cell_key}/meetings",
    response={201: ConsultationMeetingHeaderOut},
    auth=AUTHENTICATED,
    url_name="schedule_consultation",
    summary="Schedule a meeting of the cell: its register and carried-over cases follow "
    "(chair, secretary, prevention officer)",
)
def schedule_consultation(request, cell_key: str, payload: ConsultationMeetingIn):
    require_write(request)
    cell = access.get_cell_for_user(request.auth, cell_key)
    access.require(access.can_prepare(request.auth, cell.pk))
    form = _meeting_form(payload.dict(), cell)
    raise_form_errors(form)
    meeting = services.schedule_meeting(cell, form.cleaned_data, acting_user=request.auth)
    return Status(201, _header(_meeting(request, meeting.uuid)))


@router.get(
    "/meetings/{meeting_uuid}",
    response=ConsultationMeetingOut,
    auth=AUTHENTICATED,
    url_name="get_consultation",
    summary="A meeting: the agenda by handle as you may see it, the register for members",
)
def get_consultation(request, meeting_uuid: UUID):
    return _meeting_out(request, _meeting(request, meeting_uuid))


@router.patch(
    "/meetings/{meeting_uuid}",
    response={200: ConsultationMeetingHeaderOut, 409: ConsultationMeetingConflictOut},
    auth=AUTHENTICATED,
    url_name="patch_consultation",
    summary="Change the time, place, chair or secretary of a meeting (those who prepare it)",
)
def patch_consultation(request, meeting_uuid: UUID, payload: ConsultationMeetingPatch):
    require_write(request)
    meeting = _meeting(request, meeting_uuid)
    access.require(access.can_prepare(request.auth, meeting.cell_id))
    data = {
        **MeetingForm.initial_for(meeting),
        "chair": meeting.chair.email,
        "secretary": meeting.secretary.email,
    }
    data.update(payload.dict(exclude_unset=True, exclude={"version"}))
    form = _meeting_form(data, meeting.cell)
    raise_form_errors(form)
    try:
        services.update_meeting(
            meeting, form.cleaned_data, payload.version, acting_user=request.auth
        )
    except services.EditConflict as conflict:
        return Status(
            409, {"detail": _conflict_detail(), "current_version": conflict.current.version}
        )
    return _header(_meeting(request, meeting_uuid))


@router.post(
    "/meetings/{meeting_uuid}/status",
    response=ConsultationMeetingHeaderOut,
    auth=AUTHENTICATED,
    url_name="set_consultation_status",
    summary="Mark a meeting as held (chair or secretary, once started) or cancel it "
    "(those who prepare it, while planned)",
)
def set_consultation_status(request, meeting_uuid: UUID, payload: ConsultationStatusIn):
    require_write(request)
    meeting = _meeting(request, meeting_uuid)
    services.set_status(meeting, payload.status, acting_user=request.auth)
    return _header(_meeting(request, meeting_uuid))


@router.get(
    "/meetings/{meeting_uuid}/calendar",
    response={404: ErrorOut},
    auth=AUTHENTICATED,
    url_name="get_consultation_calendar",
    summary="The meeting as a calendar file (.ics): time and place, never a person",
    openapi_extra={
        "responses": {
            200: {
                "description": "An iCalendar file",
                "content": {"text/calendar": {"schema": {"type": "string"}}},
            }
        }
    },
)
def get_consultation_calendar(request, meeting_uuid: UUID):
    meeting = _meeting(request, meeting_uuid)
    response = HttpResponse(ical.meeting_calendar(meeting), content_type="text/calendar")
    response["Content-Disposition"] = content_disposition_header(True, "consultation.ics")
    return response


@router.post(
    "/meetings/{meeting_uuid}/declaration",
    response=ConsultationDeclarationOut,
    auth=AUTHENTICATED,
    url_name="sign_consultation_declaration",
    summary="Sign the confidentiality declaration of the meeting (invited participants)",
)
def sign_consultation_declaration(request, meeting_uuid: UUID, payload: ConsultationDeclarationIn):
    require_write(request)
    meeting = _meeting(request, meeting_uuid)
    if access.is_member(request.auth, meeting.cell_id):
        raise ValidationError(_("Members of the cell do not sign this declaration."))
    if not payload.agree:
        raise ValidationError({"agree": [_("Agree to the declaration to sign it.")]})
    seat = services.sign_declaration(meeting, acting_user=request.auth)
    return {"version": seat.declaration_version, "signed_at": seat.declaration_signed_at}


@router.put(
    "/meetings/{meeting_uuid}/attendance",
    response=list[ConsultationSeatOut],
    auth=AUTHENTICATED,
    url_name="put_consultation_attendance",
    summary="Record who is present (the meeting's chair or secretary); "
    "an invited participant only once they signed",
)
def put_consultation_attendance(request, meeting_uuid: UUID, payload: ConsultationAttendanceIn):
    require_write(request)
    meeting = _meeting(request, meeting_uuid)
    access.require(access.can_record(request.auth, meeting))
    form = AttendanceForm({"present": [str(pk) for pk in payload.present]}, meeting=meeting)
    raise_form_errors(form)
    services.record_attendance(meeting, form.present_ids(), acting_user=request.auth)
    return list(_register(meeting))
