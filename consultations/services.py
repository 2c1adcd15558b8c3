"""Every write of the Consultations module: atomic, validated, audited in the same
transaction. Audit rows name fields, never their values; notifications carry a link and no
personal data."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import requires_mfa
from audit.services import record
from cases.models import Person
from consultations import access, ical
from consultations.models import (
    DECLARATION_VERSION,
    AgendaCase,
    Attendance,
    CaseAction,
    Consensus,
    ConsensusStatus,
    InformationSheet,
    Invitation,
    Meeting,
    MeetingStatus,
    Minutes,
    Seat,
    Vote,
)
from core.versioning import EditConflict, save_versioned
from core.versioning import changed_fields as _fields
from core.versioning import lock_version as _lock
from network.models import Organisation
from platforms.models import Membership, Platform


def _require_in_session(meeting: Meeting) -> None:
    """What happens in a meeting (attendance, discussion, actions, consensus) is recorded
    once it has started, and never for a cancelled one."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("The meeting was cancelled."))
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("This is recorded once the meeting has started."))


def _members_today(cell: Platform) -> list[tuple[User, Membership]]:
    """(account, seat) of every member the access rules count today."""
    seats = (
        Membership.objects.current()
        .filter(platform=cell, post__legal_role__in=access.MANDATORY_ROLES)
        .exclude(post__holder__user__isnull=True)
        .select_related("post__holder__user", "organisation")
    )
    members = []
    for seat in seats:
        user = seat.post.holder.user
        if access.is_member(user, cell.pk):
            members.append((user, seat))
    return members


def member_accounts(cell: Platform) -> list[User]:
    return [user for user, _seat in _members_today(cell)]


def _check_officers(cell: Platform, data: dict[str, Any]) -> None:
    ids = {user.pk for user in member_accounts(cell)}
    errors = {}
    for field in ("chair", "secretary"):
        if data[field].pk not in ids:
            errors[field] = _("Choose a member of the cell.")
    if data["ends_at"] <= data["starts_at"]:
        errors["ends_at"] = _("The meeting must end after it starts.")
    if errors:
        raise ValidationError(errors)


# --- Meetings ----------------------------------------------------------------------------


def schedule_meeting(cell: Platform, data: dict[str, Any], *, acting_user) -> Meeting:
    """A new meeting with the register of today's members, and on its agenda every person
    with actions of this cell still open (carried over from their last meeting)."""
    access.require(access.can_prepare(acting_user, cell.pk))
    _check_officers(cell, data)
    with transaction.atomic():
        meeting = Meeting.objects.create(cell=cell, created_by=acting_user, **data)
        Attendance.objects.bulk_create(
            Attendance(
                meeting=meeting,
                user=user,
                organisation=seat.organisation,
                seat=Seat.MEMBER,
                legal_role=access.legal_role_of(seat),
            )
            for user, seat in _members_today(cell)
        )
        _carry_over(meeting)
        record("consultation.meeting.scheduled", actor=acting_user, target=meeting)
        _invite_by_mail(meeting, [a.user for a in meeting.attendance.select_related("user")])
    return meeting


def _carry_over(meeting: Meeting) -> None:
    open_actions = (
        CaseAction.objects.filter(
            cell_id=meeting.cell_id,
            done_on__isnull=True,
            case__meeting__starts_at__lt=meeting.starts_at,
        )
        .select_related("case")
        .order_by("case__meeting__starts_at", "case__position")
    )
    shared = set(access.persons_shared_with(meeting.cell).values_list("pk", flat=True))
    latest: dict[int, AgendaCase] = {}
    for action in open_actions:
        if action.person_id in shared:  # nothing in force about them any more: not back
            latest[action.person_id] = action.case
    for position, case in enumerate(latest.values(), start=1):
        AgendaCase.objects.create(
            meeting=meeting,
            person_id=case.person_id,
            position=position,
            presented_by_id=case.presented_by_id,
            carried_from=case,
        )


def update_meeting(
    meeting: Meeting, data: dict[str, Any], version: int | None, *, acting_user
) -> Meeting:
    access.require(access.can_prepare(acting_user, meeting.cell_id))
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("A held or cancelled meeting can no longer change."))
    _check_officers(meeting.cell, data)
    with transaction.atomic():
        current, changed = save_versioned(meeting, data, version)
        if changed:
            record(
                "consultation.meeting.changed",
                actor=acting_user,
                target=current,
                changes=_fields(changed),
            )
    return current


def set_status(meeting: Meeting, status: str, *, acting_user) -> Meeting:
    """Held (by the chair or secretary, once it has started) or cancelled (before)."""
    if status == MeetingStatus.HELD:
        access.require(access.can_record(acting_user, meeting))
        if meeting.status != MeetingStatus.PLANNED:
            raise ValidationError(_("Only a planned meeting can be marked as held."))
        if meeting.starts_at > timezone.now():
            raise ValidationError(_("A meeting can be marked as held once it has started."))
    elif status == MeetingStatus.CANCELLED:
        access.require(access.can_prepare(acting_user, meeting.cell_id))
        if meeting.status != MeetingStatus.PLANNED or meeting.starts_at <= timezone.now():
            raise ValidationError(
                _("Only a planned meeting that has not started can be cancelled.")
            )
    else:
        raise ValidationError(_("Unknown status."))
    with transaction.atomic():
        old = meeting.status
        Meeting.objects.filter(pk=meeting.pk).update(status=status, updated_at=timezone.now())
        meeting.status = status
        record(
            "consultation.meeting.status",
            actor=acting_user,
            target=meeting,
            changes={"status": [old, status]},
        )
    return meeting


# --- Agenda ------------------------------------------------------------------------------


def add_case(
    meeting: Meeting, person: Person, presented_by: Organisation, *, acting_user
) -> AgendaCase:
    """Put a person on the agenda, under their handle. Only persons some partner shared
    something about with this cell can be discussed."""
    access.require(access.can_prepare(acting_user, meeting.cell_id))
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("The agenda of a held or cancelled meeting cannot change."))
    if not access.persons_shared_with(meeting.cell).filter(pk=person.pk).exists():
        raise ValidationError(
            {"person": _("No partner has shared anything about this person with the cell.")}
        )
    with transaction.atomic():
        position = (meeting.cases.aggregate(m=Max("position"))["m"] or 0) + 1
        try:
            with transaction.atomic():
                case = AgendaCase.objects.create(
                    meeting=meeting, person=person, position=position, presented_by=presented_by
                )
        except IntegrityError:
            raise ValidationError({"person": _("This person is already on the agenda.")}) from None
        record("consultation.case.added", actor=acting_user, target=case, subject=person.uuid)
    return case


def remove_case(case: AgendaCase, *, acting_user) -> None:
    access.require(access.can_prepare(acting_user, case.meeting.cell_id))
    if case.meeting.status != MeetingStatus.PLANNED or case.actions.exists():
        raise ValidationError(_("A case that was discussed stays on the agenda."))
    with transaction.atomic():
        record(
            "consultation.case.removed", actor=acting_user, target=case, subject=case.person.uuid
        )
        invited = list(case.invitations.values_list("user_id", flat=True))
        case.delete()
        # a participant invited for this case only loses their seat with it
        still_invited = Invitation.objects.filter(case__meeting=case.meeting, user_id__in=invited)
        Attendance.objects.filter(
            meeting=case.meeting, seat=Seat.INVITED, user_id__in=invited
        ).exclude(user_id__in=still_invited.values("user_id")).delete()


def invite(case: AgendaCase, user: User, reason: str, *, acting_user) -> Invitation:
    """Invite a professional for this case only; they get a seat in the register."""
    access.require(access.can_prepare(acting_user, case.meeting.cell_id))
    if case.meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Participants are invited to a planned meeting."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this participant is invited.")})
    if not user.is_active or user.organisation_id is None or not requires_mfa(user):
        raise ValidationError(
            {"user": _("Choose an active professional whose account uses a second factor.")}
        )
    if access.is_member(user, case.meeting.cell_id):
        raise ValidationError({"user": _("Members of the cell need no invitation.")})
    with transaction.atomic():
        invitation, created = Invitation.objects.get_or_create(
            case=case, user=user, defaults={"reason": reason.strip(), "invited_by": acting_user}
        )
        if not created:
            raise ValidationError({"user": _("This participant is already invited for this case.")})
        Attendance.objects.get_or_create(
            meeting=case.meeting,
            user=user,
            defaults={"organisation_id": user.organisation_id, "seat": Seat.INVITED},
        )
        record(
            "consultation.participant.invited",
            actor=acting_user,
            target=invitation,
            subject=case.person.uuid,
        )
        _invite_by_mail(case.meeting, [user])
    return invitation


def sign_declaration(meeting: Meeting, *, acting_user) -> Attendance:
    """The participant's electronic signature of the confidentiality declaration."""
    with transaction.atomic():
        seat = (
            Attendance.objects.select_for_update().filter(meeting=meeting, user=acting_user).first()
        )
        if seat is None:
            raise PermissionDenied
        seat.declaration_signed_at = timezone.now()
        seat.declaration_version = DECLARATION_VERSION
        seat.save(update_fields=["declaration_signed_at", "declaration_version"])
        record(
            "consultation.declaration.signed",
            actor=acting_user,
            target=meeting,
            changes={"version": [None, DECLARATION_VERSION]},
        )
    return seat


def _sync_members(meeting: Meeting) -> None:
    """Give a seat in the register to whoever became a member since the meeting was
    scheduled (a new prevention officer, say)."""
    seated = set(meeting.attendance.values_list("user_id", flat=True))
    Attendance.objects.bulk_create(
        Attendance(
            meeting=meeting,
            user=user,
            organisation=seat.organisation,
            seat=Seat.MEMBER,
            legal_role=access.legal_role_of(seat),
        )
        for user, seat in _members_today(meeting.cell)
        if user.pk not in seated
    )


def record_attendance(meeting: Meeting, present_ids: set[int], *, acting_user) -> None:
    """Mark who is present (the others absent). An occasional participant counts as
    present only once they signed the declaration."""
    access.require(access.can_record(acting_user, meeting))
    _require_in_session(meeting)
    _sync_members(meeting)
    seats = list(meeting.attendance.all())
    unsigned = [
        s
        for s in seats
        if s.pk in present_ids
        and s.seat == Seat.INVITED
        and (not s.declaration_signed_at or s.declaration_version != DECLARATION_VERSION)
    ]
    if unsigned:
        raise ValidationError(
            _("An invited participant must sign the confidentiality declaration first.")
        )
    with transaction.atomic():
        before = sorted(s.pk for s in seats if s.present)
        meeting.attendance.update(present=False)
        meeting.attendance.filter(pk__in=present_ids).update(present=True)
        record(
            "consultation.attendance.recorded",
            actor=acting_user,
            target=meeting,
            changes={"present": [before, sorted(present_ids & {s.pk for s in seats})]},
        )


# --- Discussion and actions --------------------------------------------------------------


def record_discussion(
    case: AgendaCase, data: dict[str, Any], version: int | None, *, acting_user
) -> AgendaCase:
    access.require(access.can_record(acting_user, case.meeting))
    _require_in_session(case.meeting)
    with transaction.atomic():
        current, changed = save_versioned(case, data, version)
        if changed:
            record(
                "consultation.case.discussed",
                actor=acting_user,
                target=current,
                changes=_fields(changed),
                subject=case.person.uuid,
            )
    return current


def add_action(case: AgendaCase, data: dict[str, Any], *, acting_user) -> CaseAction:
    access.require(access.can_record(acting_user, case.meeting))
    _require_in_session(case.meeting)
    with transaction.atomic():
        action = CaseAction.objects.create(
            case=case, person_id=case.person_id, cell_id=case.meeting.cell_id, **data
        )
        _carry_to_next(case)
        record(
            "consultation.action.added", actor=acting_user, target=action, subject=case.person.uuid
        )
    return action


def _carry_to_next(case: AgendaCase) -> None:
    """An open action brings the person onto the cell's next planned meeting, if one is
    already scheduled (a meeting scheduled later picks them up by itself)."""
    upcoming = (
        Meeting.objects.filter(
            cell_id=case.meeting.cell_id,
            status=MeetingStatus.PLANNED,
            starts_at__gt=case.meeting.starts_at,
        )
        .order_by("starts_at")
        .first()
    )
    if upcoming is None or upcoming.cases.filter(person_id=case.person_id).exists():
        return
    position = (upcoming.cases.aggregate(m=Max("position"))["m"] or 0) + 1
    AgendaCase.objects.create(
        meeting=upcoming,
        person_id=case.person_id,
        position=position,
        presented_by_id=case.presented_by_id,
        carried_from=case,
    )


def complete_action(
    action: CaseAction, follow_up: str, done_on: datetime.date, *, acting_user
) -> CaseAction:
    """Follow-up of an action: by the chair or secretary of a meeting of the cell."""
    meeting = action.case.meeting
    if not access.is_member(acting_user, action.cell_id):
        raise PermissionDenied
    if not (
        access.can_prepare(acting_user, action.cell_id) or access.can_record(acting_user, meeting)
    ):
        raise PermissionDenied
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The date cannot be in the future.")})
    with transaction.atomic():
        locked = CaseAction.objects.select_for_update().get(pk=action.pk)
        if locked.done_on is not None:
            raise ValidationError(_("This action is already done."))
        action.done_on = done_on
        action.follow_up = follow_up
        action.save(update_fields=["done_on", "follow_up"])
        record(
            "consultation.action.done",
            actor=acting_user,
            target=action,
            changes={"done_on": [None, done_on]},
            subject=action.person.uuid,
        )
    return action


# --- Consensus and information sheet -----------------------------------------------------


def request_consensus(case: AgendaCase, purpose: str, *, acting_user) -> Consensus:
    """The police member asks the members present to agree that a sheet may leave."""
    access.require(access.is_police_member(acting_user, case.meeting.cell_id))
    _require_in_session(case.meeting)
    if not case.discussed:
        raise ValidationError(
            _("The case must be discussed before an information sheet is asked for.")
        )
    if not purpose.strip():
        raise ValidationError({"purpose": _("Give the purpose of the information sheet.")})
    if not access.voters_for(case):
        raise ValidationError(_("Record who is present first."))
    with transaction.atomic():
        AgendaCase.objects.select_for_update().get(pk=case.pk)  # one request at a time
        if Consensus.objects.filter(case=case).exists():
            raise ValidationError(_("A consensus was already asked for this case."))
        try:
            with transaction.atomic():
                consensus = Consensus.objects.create(
                    case=case, purpose=purpose.strip(), requested_by=acting_user
                )
        except IntegrityError:
            raise ValidationError(_("A consensus was already asked for this case.")) from None
        record(
            "consultation.consensus.requested",
            actor=acting_user,
            target=consensus,
            subject=case.person.uuid,
        )
    return consensus


def record_votes(consensus: Consensus, answers: dict[int, bool], *, acting_user) -> Consensus:
    """The chair records each present member's answer. Consensus is reached when every
    member present agreed, and then the sheet is generated; one "no" closes it unreached."""
    case = consensus.case
    access.require(access.can_chair(acting_user, case.meeting))
    _require_in_session(case.meeting)
    with transaction.atomic():
        consensus = Consensus.objects.select_for_update().get(pk=consensus.pk)
        if consensus.status != ConsensusStatus.OPEN:
            raise ValidationError(_("This consensus is closed."))
        voters = {a.pk: a for a in access.voters_for(case)}
        if set(answers) != set(voters):
            raise ValidationError(_("Record the answer of every member present."))
        now = timezone.now()
        Vote.objects.bulk_create(
            Vote(
                consensus=consensus,
                attendance=voters[pk],
                agrees=agrees,
                recorded_at=now,
                recorded_by=acting_user,
            )
            for pk, agrees in sorted(answers.items())
        )
        reached = all(answers.values())
        consensus.status = ConsensusStatus.REACHED if reached else ConsensusStatus.NOT_REACHED
        consensus.closed_at = now
        consensus.closed_by = acting_user
        consensus.save(update_fields=["status", "closed_at", "closed_by"])
        record(
            "consultation.consensus.recorded",
            actor=acting_user,
            target=consensus,
            changes={
                "status": [ConsensusStatus.OPEN, consensus.status],
                "answers": [None, len(answers)],
            },
            subject=case.person.uuid,
        )
        if reached:
            _generate_sheet(consensus, acting_user)
    return consensus


def _generate_sheet(consensus: Consensus, actor) -> InformationSheet:
    case = consensus.case
    votes = consensus.votes.select_related("attendance__user", "attendance__organisation").order_by(
        "id"
    )
    content = render_to_string(
        "consultations/sheet_content.txt",
        {
            "case": case,
            "person": case.person,
            "meeting": case.meeting,
            "consensus": consensus,
            "votes": votes,
        },
    )
    sheet = InformationSheet.objects.create(
        consensus=consensus, content=content, generated_by=actor
    )
    record("consultation.sheet.generated", actor=actor, target=sheet, subject=case.person.uuid)
    return sheet


def sheet_download(sheet: InformationSheet, *, acting_user) -> str:
    """The sheet with its watermark (purpose, meeting, sheet and reader), logged."""
    case = sheet.consensus.case
    text = render_to_string(
        "consultations/sheet_download.txt",
        {
            "sheet": sheet,
            "case": case,
            "meeting": case.meeting,
            "purpose": sheet.consensus.purpose,
            "reader": acting_user,
            "now": timezone.now(),
        },
    )
    record(
        "consultation.sheet.downloaded", actor=acting_user, target=sheet, subject=case.person.uuid
    )
    return text


# --- Minutes -----------------------------------------------------------------------------


def write_minutes(meeting: Meeting, text: str, version: int | None, *, acting_user) -> Minutes:
    """The secretary (or chair) writes the minutes of a meeting that was held, until they
    are approved."""
    access.require(access.can_record(acting_user, meeting))
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError(_("Minutes are written for a meeting that was held."))
    if not text.strip():
        raise ValidationError({"text": _("The minutes cannot be empty.")})
    with transaction.atomic():
        Meeting.objects.select_for_update().get(pk=meeting.pk)  # the first save, once
        minutes = Minutes.objects.filter(meeting=meeting).first()
        if minutes is None:
            try:
                with transaction.atomic():
                    minutes = Minutes.objects.create(
                        meeting=meeting, text=text, written_by=acting_user
                    )
            except IntegrityError:
                raise EditConflict(Minutes.objects.get(meeting=meeting)) from None
            record("consultation.minutes.written", actor=acting_user, target=minutes)
            return minutes
        current = _lock(minutes, version, required=True)
        if current.is_approved:
            raise ValidationError(_("Approved minutes can no longer change."))
        current.text = text
        current.written_by = acting_user
        current.updated_at = timezone.now()
        current.version = F("version") + 1
        current.save()
        current.refresh_from_db(fields=["version"])
        record(
            "consultation.minutes.changed",
            actor=acting_user,
            target=current,
            changes=_fields(["text"]),
        )
    return current


def approve_minutes(meeting: Meeting, *, acting_user) -> Minutes:
    """At `meeting`, its chair approves the minutes of the cell's previous meeting."""
    access.require(access.can_chair(acting_user, meeting))
    if meeting.starts_at > timezone.now() or meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Minutes are approved during the next meeting."))
    previous = access.previous_meeting(meeting)
    minutes = Minutes.objects.filter(meeting=previous).first() if previous else None
    if minutes is None:
        raise ValidationError(_("The previous meeting has no minutes to approve."))
    with transaction.atomic():
        minutes = Minutes.objects.select_for_update().get(pk=minutes.pk)
        if minutes.is_approved:
            raise ValidationError(_("These minutes are already approved."))
        minutes.approved_in = meeting
        minutes.approved_at = timezone.now()
        minutes.approved_by = acting_user
        minutes.save(update_fields=["approved_in", "approved_at", "approved_by"])
        record(
            "consultation.minutes.approved",
            actor=acting_user,
            target=minutes,
            changes={"approved_in": [None, str(meeting.uuid)]},
        )
    return minutes


# --- Invitations and reminders (no personal data) ------------------------------------------


def _invite_by_mail(meeting: Meeting, users: list[User]) -> None:
    recipients = sorted({u.email for u in users if u.email})
    if not recipients:
        return
    path = reverse("consultations:meeting", args=[meeting.uuid])
    calendar = ical.meeting_calendar(meeting)
    when = timezone.localtime(meeting.starts_at)

    def send() -> None:
        for address in recipients:
            message = EmailMessage(
                _("Invitation: case consultation of %(date)s")
                % {"date": when.strftime("%Y-%m-%d %H:%M")},
                settings.SITE_URL.rstrip("/") + path,
                None,
                [address],
            )
            message.attach("consultation.ics", calendar, "text/calendar")
            message.send(fail_silently=True)

    transaction.on_commit(send)


def send_reminders(on: datetime.date | None = None) -> int:
    """Remind everyone in the register of the meetings of the next day. Returns mails sent."""
    day = (on or timezone.localdate()) + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    meetings = Meeting.objects.filter(
        status=MeetingStatus.PLANNED,
        starts_at__gte=start,
        starts_at__lt=start + datetime.timedelta(days=1),
    ).prefetch_related("attendance__user")
    sent = 0
    for meeting in meetings:
        path = reverse("consultations:meeting", args=[meeting.uuid])
        for seat in meeting.attendance.all():
            message = EmailMessage(
                _("Reminder: case consultation tomorrow"),
                settings.SITE_URL.rstrip("/") + path,
                None,
                [seat.user.email],
            )
            message.attach("consultation.ics", ical.meeting_calendar(meeting), "text/calendar")
            sent += message.send(fail_silently=True)
    return sent
