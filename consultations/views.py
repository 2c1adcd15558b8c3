"""HTML views of the case consultations. Every read goes through consultations/access.py
(404 outside the cell and one's invitations, an audit row per person shown) and every write
through consultations/services.py (403 when the seat may not)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.stepup import recently_stepped_up, step_up_url
from audit.services import record
from consultations import access, composition, ical, services
from consultations.forms import (
    ActionDoneForm,
    ActionForm,
    AddCaseForm,
    AttendanceForm,
    ConsensusRequestForm,
    DiscussionForm,
    InviteForm,
    MeetingForm,
    MinutesForm,
    VotesForm,
)
from consultations.models import (
    DECLARATION_VERSION,
    AgendaCase,
    Consensus,
    ConsensusStatus,
    Meeting,
    Minutes,
)
from core.forms import add_service_errors


def _meeting_url(meeting: Meeting):
    return redirect("consultations:meeting", meeting.uuid)


def _case_url(case: AgendaCase):
    return redirect("consultations:case", case.meeting.uuid, case.pk)


# --- Meetings ----------------------------------------------------------------------------


@login_required
def meeting_list(request):
    """The user's cells and the meetings they see (no person appears here)."""
    cells = list(access.cells_for_user(request.user))
    gaps = composition.gaps_told_to(request.user, cells)
    meetings = list(
        access.visible_meetings(request.user).select_related("cell").order_by("-starts_at")[:100]
    )
    now = timezone.now()
    context = {
        "cells": [
            (cell, access.can_prepare(request.user, cell.pk), gaps.get(cell.pk, []))
            for cell in cells
        ],
        "upcoming": sorted((m for m in meetings if m.ends_at >= now), key=lambda m: m.starts_at),
        "past": [m for m in meetings if m.ends_at < now],
    }
    return render(request, "consultations/meeting_list.html", context)


@login_required
def schedule(request, cell_key):
    cell = access.get_cell_for_user(request.user, cell_key)
    access.require(access.can_prepare(request.user, cell.pk))
    members = services.member_accounts(cell)
    form = MeetingForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.schedule_meeting(cell, form.cleaned_data, acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting is scheduled and the members are invited."))
            return _meeting_url(meeting)
    context = {"form": form, "cell": cell, "gaps": composition.gaps(cell)}
    return render(request, "consultations/meeting_form.html", context)


@login_required
@never_cache
def meeting_detail(request, meeting_uuid):
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    if access.must_sign(request.user, meeting):
        return redirect("consultations:declaration", meeting.uuid)
    user = request.user
    member = access.is_member(user, meeting.cell_id)
    cases = list(access.visible_cases(user, meeting))
    access.log_agenda_read(user, meeting, cases, "consultation.agenda.read")
    previous = access.previous_meeting(meeting) if member else None
    previous_minutes = Minutes.objects.filter(meeting=previous).first() if previous else None
    context = {
        "meeting": meeting,
        "cases": cases,
        "member": member,
        "attendance": meeting.attendance.select_related("user", "organisation") if member else [],
        "can_prepare": access.can_prepare(user, meeting.cell_id),
        "can_record": access.can_record(user, meeting),
        "can_chair": access.can_chair(user, meeting),
        "previous": previous,
        "previous_minutes": previous_minutes,
        "minutes": Minutes.objects.filter(meeting=meeting).first() if member else None,
        "started": meeting.starts_at <= timezone.now(),
    }
    return render(request, "consultations/meeting_detail.html", context)


@login_required
def meeting_edit(request, meeting_uuid):
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    access.require(access.can_prepare(request.user, meeting.cell_id))
    members = services.member_accounts(meeting.cell)
    initial = {**MeetingForm.initial_for(meeting), "version": meeting.version}
    form = MeetingForm(request.POST or None, members=members, initial=initial)
    conflict = False
    if request.method == "POST" and form.is_valid():
        version = _int(request.POST.get("version"))
        try:
            services.update_meeting(meeting, form.cleaned_data, version, acting_user=request.user)
        except services.EditConflict as error:
            conflict = True
            meeting = error.current
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting is saved."))
            return _meeting_url(meeting)
    context = {"form": form, "cell": meeting.cell, "meeting": meeting, "conflict": conflict}
    return render(request, "consultations/meeting_form.html", context)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def meeting_status(request, meeting_uuid):
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    try:
        services.set_status(meeting, request.POST.get("status", ""), acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The status of the meeting is saved."))
    return _meeting_url(meeting)


@login_required
def meeting_calendar(request, meeting_uuid):
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    response = HttpResponse(ical.meeting_calendar(meeting), content_type="text/calendar")
    response["Content-Disposition"] = content_disposition_header(True, "consultation.ics")
    return response


@login_required
def declaration(request, meeting_uuid):
    """The confidentiality declaration an invited participant signs before the meeting's
    content opens for them."""
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    if access.is_member(request.user, meeting.cell_id):
        return _meeting_url(meeting)
    if request.method == "POST":
        if request.POST.get("agree") == "yes":
            services.sign_declaration(meeting, acting_user=request.user)
            messages.success(request, _("You signed the confidentiality declaration."))
            return _meeting_url(meeting)
        messages.error(request, _("Tick the box to sign the declaration."))
    context = {
        "meeting": meeting,
        "version": DECLARATION_VERSION,
        "signed": access.has_signed(request.user, meeting),
    }
    return render(request, "consultations/declaration.html", context)


@login_required
def attendance(request, meeting_uuid):
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    access.require(access.can_record(request.user, meeting))
    form = AttendanceForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_attendance(meeting, form.present_ids(), acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The attendance register is saved."))
            return _meeting_url(meeting)
    return render(request, "consultations/attendance.html", {"form": form, "meeting": meeting})


@login_required
def agenda_add(request, meeting_uuid):
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    access.require(access.can_prepare(request.user, meeting.cell_id))
    form = AddCaseForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_case(
                meeting,
                form.cleaned_data["handle"],
                form.cleaned_data["presented_by"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The case is on the agenda."))
            return _meeting_url(meeting)
    return render(request, "consultations/agenda_add.html", {"form": form, "meeting": meeting})


@login_required
@never_cache
def room(request, meeting_uuid):
    """The projector's view: only what every attendee present may see, handles only."""
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    access.require(access.can_record(request.user, meeting))
    rows = access.room_cases(meeting)
    shown = [row["case"] for row in rows if row["shown"]]
    access.log_agenda_read(request.user, meeting, shown, "consultation.room.shown")
    context = {"meeting": meeting, "rows": rows, "present": access.present_attendees(meeting)}
    return render(request, "consultations/room.html", context)


# --- One case on the agenda ----------------------------------------------------------------


def _case_context(request, meeting: Meeting, case: AgendaCase, **forms) -> dict:
    user = request.user
    can_record = access.can_record(user, meeting)
    can_prepare = access.can_prepare(user, meeting.cell_id)
    consensus = Consensus.objects.filter(case=case).select_related("requested_by").first()
    police = access.is_police_member(user, meeting.cell_id)
    return {
        "meeting": meeting,
        "case": case,
        "person": case.person,
        "contributions": access.contributions_for(case, user),
        "open_actions": access.open_actions_for(case, user).exclude(case=case),
        "actions": case.actions.select_related("owner"),
        "invitations": case.invitations.select_related("user__organisation"),
        "can_record": can_record,
        "can_prepare": can_prepare,
        "can_chair": access.can_chair(user, meeting),
        "is_member": access.is_member(user, meeting.cell_id),
        "police": police,
        "entitled": access.entitled_to_identity(user, case),
        "consensus": consensus,
        "votes": consensus.votes.select_related("attendance__user") if consensus else [],
        "sheet": getattr(consensus, "sheet", None)
        if consensus and consensus.status == ConsensusStatus.REACHED
        else None,
        "discussion_form": forms.get("discussion_form")
        or DiscussionForm(
            initial={
                "summary": case.summary,
                "decisions": case.decisions,
                "discussed": case.discussed,
                "version": case.version,
            }
        ),
        "action_form": forms.get("action_form") or ActionForm(case=case),
        "invite_form": forms.get("invite_form") or InviteForm(),
        "consensus_form": forms.get("consensus_form") or ConsensusRequestForm(),
        "conflict": forms.get("conflict", False),
        "identity": forms.get("identity", False),
    }


@login_required
@never_cache
def case_detail(request, meeting_uuid, case_id):
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    if access.must_sign(request.user, meeting):
        return redirect("consultations:declaration", meeting.uuid)
    case = access.get_case_for_user(request.user, meeting, case_id, "consultation.case.read")
    return render(request, "consultations/case_detail.html", _case_context(request, meeting, case))


def _case_for_post(request, meeting_uuid, case_id, action: str):
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    case = access.get_case_for_user(request.user, meeting, case_id, action)
    return meeting, case


@login_required
@require_POST
@never_cache
def case_identity(request, meeting_uuid, case_id):
    """Show who the handle stands for, to those entitled to it; each look is logged."""
    meeting, case = _case_for_post(request, meeting_uuid, case_id, "consultation.case.read")
    access.require(access.entitled_to_identity(request.user, case))
    record(
        "consultation.identity.revealed",
        actor=request.user,
        target=case,
        subject=case.person.uuid,
    )
    context = _case_context(request, meeting, case, identity=True)
    return render(request, "consultations/case_detail.html", context)


@login_required
@require_POST
def case_discussion(request, meeting_uuid, case_id):
    meeting, case = _case_for_post(request, meeting_uuid, case_id, "consultation.case.read")
    access.require(access.can_record(request.user, meeting))
    form = DiscussionForm(request.POST)
    conflict = False
    if form.is_valid():
        try:
            services.record_discussion(
                case,
                form.data_for_service(),
                form.cleaned_data["version"],
                acting_user=request.user,
            )
        except services.EditConflict as error:
            conflict = True
            data = request.POST.copy()
            data["version"] = str(error.current.version)
            form = DiscussionForm(data)
            case = error.current
        else:
            messages.success(request, _("The discussion is saved."))
            return _case_url(case)
    context = _case_context(request, meeting, case, discussion_form=form, conflict=conflict)
    return render(
        request, "consultations/case_detail.html", context, status=400 if not conflict else 409
    )


@login_required
@require_POST
def case_action_add(request, meeting_uuid, case_id):
    meeting, case = _case_for_post(request, meeting_uuid, case_id, "consultation.case.read")
    access.require(access.can_record(request.user, meeting))
    form = ActionForm(request.POST, case=case)
    if form.is_valid():
        try:
            services.add_action(case, form.cleaned_data, acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The action is added."))
            return _case_url(case)
    context = _case_context(request, meeting, case, action_form=form)
    return render(request, "consultations/case_detail.html", context, status=400)


@login_required
@require_POST
def case_invite(request, meeting_uuid, case_id):
    meeting, case = _case_for_post(request, meeting_uuid, case_id, "consultation.case.read")
    access.require(access.can_prepare(request.user, meeting.cell_id))
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.invite(
                case,
                form.cleaned_data["email"],
                form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The participant is invited for this case."))
            return _case_url(case)
    context = _case_context(request, meeting, case, invite_form=form)
    return render(request, "consultations/case_detail.html", context, status=400)


@login_required
@require_POST
def case_remove(request, meeting_uuid, case_id):
    meeting, case = _case_for_post(request, meeting_uuid, case_id, "consultation.case.read")
    try:
        services.remove_case(case, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _case_url(case)
    messages.success(request, _("The case is off the agenda."))
    return _meeting_url(meeting)


@login_required
@require_POST
def consensus_request(request, meeting_uuid, case_id):
    meeting, case = _case_for_post(request, meeting_uuid, case_id, "consultation.case.read")
    access.require(access.is_police_member(request.user, meeting.cell_id))
    form = ConsensusRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_consensus(case, form.cleaned_data["purpose"], acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The chair can now record each member's answer."))
            return _case_url(case)
    context = _case_context(request, meeting, case, consensus_form=form)
    return render(request, "consultations/case_detail.html", context, status=400)


@login_required
def consensus_votes(request, meeting_uuid, case_id):
    meeting, case = _case_for_post(request, meeting_uuid, case_id, "consultation.case.read")
    access.require(access.can_chair(request.user, meeting))
    consensus = Consensus.objects.filter(case=case, status=ConsensusStatus.OPEN).first()
    if consensus is None:
        messages.error(request, _("No consensus is being recorded for this case."))
        return _case_url(case)
    form = VotesForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            consensus = services.record_votes(consensus, form.answers(), acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if consensus.status == ConsensusStatus.REACHED:
                messages.success(request, _("Consensus reached: the information sheet is ready."))
            else:
                messages.warning(request, _("No consensus: no information sheet will be made."))
            return _case_url(case)
    context = {"meeting": meeting, "case": case, "consensus": consensus, "form": form}
    return render(request, "consultations/consensus_votes.html", context)


@login_required
def action_done(request, action_id):
    action = access.get_action_for_user(request.user, action_id)
    meeting = action.case.meeting
    if not (
        access.can_prepare(request.user, action.cell_id) or access.can_record(request.user, meeting)
    ):
        access.require(False)
    record(
        "consultation.action.read", actor=request.user, target=action, subject=action.person.uuid
    )
    form = ActionDoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_action(
                action,
                form.cleaned_data["follow_up"],
                form.cleaned_data["done_on"],
                acting_user=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return _meeting_url(meeting)
        messages.success(request, _("The action is marked as done."))
        back = request.POST.get("meeting")
        target = (
            access.visible_meetings(request.user).filter(uuid=back).first() if _uuid(back) else None
        )
        return _meeting_url(target or meeting)
    context = {
        "action": action,
        "form": form,
        "meeting": meeting,
        "back": request.GET.get("meeting", ""),
    }
    return render(request, "consultations/action_done.html", context)


def _uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@login_required
@never_cache
def sheet(request, sheet_uuid):
    """The information sheet for OCAM/CUTA: to a police member of the cell, after a recent
    second factor; watermarked and logged at each download."""
    found = access.get_sheet_for_user(request.user, sheet_uuid)
    if not recently_stepped_up(request):
        return redirect(step_up_url(request, request.path))
    text = services.sheet_download(found, acting_user=request.user)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"information-sheet-{found.uuid}.txt"
    )
    return response


# --- Minutes -------------------------------------------------------------------------------


@login_required
@never_cache
def minutes(request, meeting_uuid):
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    found = access.get_minutes_for_user(request.user, meeting)
    editable = access.can_record(request.user, meeting) and not (found and found.is_approved)
    initial = {"text": found.text if found else "", "version": found.version if found else None}
    form = MinutesForm(request.POST or None, initial=initial) if editable else None
    conflict = False
    if request.method == "POST":
        access.require(editable)
        if form is not None and form.is_valid():
            try:
                services.write_minutes(
                    meeting,
                    form.cleaned_data["text"],
                    form.cleaned_data["version"],
                    acting_user=request.user,
                )
            except services.EditConflict as error:
                conflict = True
                data = request.POST.copy()
                data["version"] = str(error.current.version)
                form = MinutesForm(data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The minutes are saved."))
                return redirect("consultations:minutes", meeting.uuid)
    if found is not None:
        record("consultation.minutes.read", actor=request.user, target=found)
    context = {"meeting": meeting, "minutes": found, "form": form, "conflict": conflict}
    return render(request, "consultations/minutes.html", context)


@login_required
@require_POST
def minutes_approve(request, meeting_uuid):
    """At this meeting, approve the minutes of the cell's previous one."""
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    try:
        services.approve_minutes(meeting, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The minutes of the previous meeting are approved."))
    return _meeting_url(meeting)
