"""Who sees what of the case consultations of an LIVC-R.

- The **members** of a cell are the people whose account is linked to the current holder of
  a post sitting in the cell today with a mandatory legal role: the mayor or their
  representative, the prevention officer, and the chief of the local police or their
  representative, who counts only while their "secret" (or higher) clearance is valid.
  Members see every meeting of their cell, its whole agenda, the minutes, and the identity
  of the persons discussed (each look at an identity is logged).
- An **invited participant** is invited for one case, with a reason. They see the meeting
  (date, place) and, once they have signed the confidentiality declaration, that case only:
  never the other cases, the minutes or the register of other participants.
- Everybody else, administrators and coordinators included, gets a 404.

The agenda is prepared by the members whose seat is chair or secretary, or who are the
prevention officer; the meeting's chair records the consensus; only a police member may
download an information sheet, which exists only after consensus.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.roles import requires_mfa
from audit.services import record, record_person_reads
from cases.access import records_of_person, records_of_persons
from cases.models import Contribution, LegalBasis, Person
from consultations.models import (
    DECLARATION_VERSION,
    AgendaCase,
    Attendance,
    CaseAction,
    InformationSheet,
    Invitation,
    Meeting,
    Minutes,
    Seat,
)
from core.queries import unique_or_none
from network.models import Clearance, LegalRole, Organisation
from platforms.models import Membership, Platform, PlatformKind

# how long after the meeting an invited participant may still open their case
INVITED_ACCESS_DAYS = 7

MANDATORY_ROLES = (LegalRole.MAYOR, LegalRole.POLICE_CHIEF, LegalRole.PREVENTION_OFFICER)
CLEARED = (Clearance.SECRET, Clearance.TOP_SECRET)
PREPARING_SEATS = ("chair", "secretary")


def _member_seats(user) -> QuerySet[Membership]:
    """The user's current seats in LIVC-Rs through a post they hold."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Membership.objects.none()
    if not requires_mfa(user):  # a seat is only for accounts that must use a second factor
        return Membership.objects.none()
    today = timezone.localdate()
    cleared = Q(post__clearance__in=CLEARED) & (
        Q(post__clearance_expires_on__isnull=True) | Q(post__clearance_expires_on__gte=today)
    )
    return (
        Membership.objects.current()
        .filter(platform__kind=PlatformKind.LIVC_R, post__holder__user=user)
        .filter(post__legal_role__in=MANDATORY_ROLES)
        .filter(~Q(post__legal_role=LegalRole.POLICE_CHIEF) | cleared)
    )


def seats_of(user) -> list[Membership]:
    """The user's seats, read once per request."""
    cached = getattr(user, "_synergie_cell_seats", None)
    if cached is None:
        cached = list(_member_seats(user).select_related("post", "platform"))
        user._synergie_cell_seats = cached
    return cached


def legal_role_of(seat: Membership) -> str:
    return seat.post.legal_role if seat.post is not None else ""


def member_cells(user) -> list[int]:
    return sorted({seat.platform_id for seat in seats_of(user)})


def seat_in(user, cell_id: int) -> Membership | None:
    return next((seat for seat in seats_of(user) if seat.platform_id == cell_id), None)


def is_member(user, cell_id: int) -> bool:
    return seat_in(user, cell_id) is not None


def cells_for_user(user) -> QuerySet[Platform]:
    """The cells the user sits in."""
    return Platform.objects.filter(pk__in=member_cells(user))


def get_cell_for_user(user, key: str) -> Platform:
    cell = cells_for_user(user).filter(key=key).first()
    if cell is None:
        raise Http404
    return cell


def visible_meetings(user) -> QuerySet[Meeting]:
    """Meetings of the user's cells, and meetings the user is invited to for a case."""
    if not getattr(user, "is_authenticated", False):
        return Meeting.objects.none()
    invited = AgendaCase.objects.filter(invitations__user=user).values("meeting_id")
    return Meeting.objects.filter(Q(cell_id__in=member_cells(user)) | Q(pk__in=invited))


def get_meeting_for_user(user, meeting_uuid) -> Meeting:
    meeting = unique_or_none(
        visible_meetings(user)
        .select_related("cell", "chair", "secretary")
        .filter(uuid=meeting_uuid)
    )
    if meeting is None:
        raise Http404
    return meeting


def attendance_of(user, meeting: Meeting) -> Attendance | None:
    return Attendance.objects.filter(meeting=meeting, user=user).first()


def has_signed(user, meeting: Meeting) -> bool:
    """Whether the user signed the current declaration for this meeting."""
    return Attendance.objects.filter(
        meeting=meeting,
        user=user,
        declaration_signed_at__isnull=False,
        declaration_version=DECLARATION_VERSION,
    ).exists()


def must_sign(user, meeting: Meeting) -> bool:
    """An invited participant who has not signed yet: the content stays closed."""
    return not is_member(user, meeting.cell_id) and not has_signed(user, meeting)


def visible_cases(user, meeting: Meeting) -> QuerySet[AgendaCase]:
    """The agenda as the user may see it: whole for members; the cases an invited
    participant is invited to, once they signed; nothing before."""
    cases = AgendaCase.objects.filter(meeting=meeting).select_related(
        "person", "presented_by", "carried_from__meeting"
    )
    if is_member(user, meeting.cell_id):
        return cases
    if not has_signed(user, meeting) or not invitation_open(meeting):
        return cases.none()
    return cases.filter(invitations__user=user)


def invitation_open(meeting: Meeting) -> bool:
    """An invitation is for one meeting: its case stays open to the participant for a
    week after the meeting (to read the decisions and their own actions), then closes."""
    return timezone.now() <= meeting.ends_at + datetime.timedelta(days=INVITED_ACCESS_DAYS)


def get_case_for_user(user, meeting: Meeting, case_id: int, action: str) -> AgendaCase:
    """One case of the agenda, its read logged with the person as subject; 404 outside."""
    case = visible_cases(user, meeting).filter(pk=case_id).first()
    if case is None:
        if AgendaCase.objects.filter(meeting=meeting, pk=case_id).exists():
            record(
                "consultation.case.denied",
                actor=user,
                target=("consultations.agendacase", case_id),
            )
        raise Http404
    record(action, actor=user, target=case, subject=case.person.uuid)
    return case


def log_agenda_read(user, meeting: Meeting, cases: list[AgendaCase], action: str) -> None:
    """One read event per person the agenda showed (by handle)."""
    record_person_reads(
        action,
        actor=user,
        target_type="consultations.agendacase",
        rows=[(case.pk, case.person.uuid) for case in cases],
    )


def entitled_to_identity(user, case: AgendaCase) -> bool:
    """Members of the cell, and the participant invited for this case (once signed)."""
    if is_member(user, case.meeting.cell_id):
        return True
    return visible_cases(user, case.meeting).filter(pk=case.pk).exists()


def can_prepare(user, cell_id: int) -> bool:
    """The chair and secretary of the cell, and its prevention officer."""
    seat = seat_in(user, cell_id)
    if seat is None:
        return False
    return seat.role in PREPARING_SEATS or legal_role_of(seat) == LegalRole.PREVENTION_OFFICER


def can_record(user, meeting: Meeting) -> bool:
    """The meeting's chair and secretary record attendance, discussion and actions."""
    if not is_member(user, meeting.cell_id):
        return False
    return user.pk in (meeting.chair_id, meeting.secretary_id)


def can_chair(user, meeting: Meeting) -> bool:
    return is_member(user, meeting.cell_id) and user.pk == meeting.chair_id


def is_police_member(user, cell_id: int) -> bool:
    seat = seat_in(user, cell_id)
    return seat is not None and legal_role_of(seat) == LegalRole.POLICE_CHIEF


def can_read_minutes(user, meeting: Meeting) -> bool:
    return is_member(user, meeting.cell_id)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def contributions_for(case: AgendaCase, user=None) -> QuerySet[Contribution]:
    """What partners shared with this cell about the person, in force today; for an
    invited participant (`user` not a member), only what was shared by the meeting's end."""
    today = timezone.localdate()
    found = (
        Contribution.objects.filter(
            person__in=records_of_person(case.person),
            to_livc_id=case.meeting.cell_id,
            withdrawn_at__isnull=True,
        )
        .exclude(legal_basis=LegalBasis.CONSENT, consent_expires_on__lt=today)
        .select_related("file__organisation")
        .order_by("-created_at", "-id")
    )
    if user is not None and not is_member(user, case.meeting.cell_id):
        found = found.filter(created_at__lte=case.meeting.ends_at)
    return found


def persons_shared_with(cell: Platform) -> QuerySet[Person]:
    """Persons some partner has shared something about with the cell: the only ones the
    agenda can take."""
    today = timezone.localdate()
    shared = (
        Contribution.objects.filter(to_livc=cell, withdrawn_at__isnull=True)
        .exclude(legal_basis=LegalBasis.CONSENT, consent_expires_on__lt=today)
        .values("person_id")
    )
    return Person.objects.filter(pk__in=shared).order_by("handle")


def open_actions_for(case: AgendaCase, user=None) -> QuerySet[CaseAction]:
    """The person's actions in this cell still open, set at this meeting or before it; an
    invited participant (`user` not a member) sees only those of this meeting."""
    found = CaseAction.objects.filter(
        cell_id=case.meeting.cell_id,
        person_id=case.person_id,
        done_on__isnull=True,
        case__meeting__starts_at__lte=case.meeting.starts_at,
    ).select_related("owner", "case__meeting")
    if user is not None and not is_member(user, case.meeting.cell_id):
        found = found.filter(case=case)
    return found


def get_action_for_user(user, action_id: int) -> CaseAction:
    """An action of a case the user may see (members: their cells; invited: their case)."""
    action = CaseAction.objects.select_related("case__meeting__cell", "person").filter(pk=action_id)
    found = action.first()
    if found is None:
        raise Http404
    meeting = found.case.meeting
    if is_member(user, found.cell_id):
        return found
    if visible_cases(user, meeting).filter(pk=found.case_id).exists():
        return found
    raise Http404


def get_minutes_for_user(user, meeting: Meeting) -> Minutes | None:
    """The minutes of a meeting the user sees; members only (403 for invited ones)."""
    require(can_read_minutes(user, meeting))
    return Minutes.objects.filter(meeting=meeting).first()


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(
            cell_id=meeting.cell_id, starts_at__lt=meeting.starts_at, status="held"
        )
        .order_by("-starts_at")
        .first()
    )


def get_sheet_for_user(user, sheet_uuid) -> InformationSheet:
    """A sheet exists for a police member of its cell to forward; other members of the
    cell see that it exists (403 on download); everybody else 404."""
    sheet = (
        InformationSheet.objects.select_related(
            "consensus__case__meeting__cell", "consensus__case__person"
        )
        .filter(uuid=sheet_uuid)
        .first()
    )
    if sheet is None or not is_member(user, sheet.consensus.case.meeting.cell_id):
        raise Http404
    require(is_police_member(user, sheet.consensus.case.meeting.cell_id))
    return sheet


def present_attendees(meeting: Meeting) -> QuerySet[Attendance]:
    return meeting.attendance.filter(present=True).select_related("user", "organisation")


def voters_for(case: AgendaCase) -> list[Attendance]:
    """Who must agree for the consensus: the members present (the law's "members of the
    cell present"); invited participants give their view in the discussion, not here. A
    member whose seat ended (or whose clearance lapsed) since does not count."""
    present = present_attendees(case.meeting).filter(seat=Seat.MEMBER)
    return [seat for seat in present if is_member(seat.user, case.meeting.cell_id)]


def room_cases(meeting: Meeting) -> list[dict[str, Any]]:
    """The agenda as the projector may show it: a case's content only when every invited
    participant in the register may see it (present or not: an invited guest may be in the
    room before the register says so, so each one hides every other case); never an
    identity, only handles. Contributions and open actions come in one query each."""
    invited_ids = list(
        meeting.attendance.filter(seat=Seat.INVITED).values_list("user_id", flat=True)
    )
    cases = list(
        AgendaCase.objects.filter(meeting=meeting).select_related("person", "presented_by")
    )
    invited_to: dict[int, set[int]] = {}
    for case_id, user_id in Invitation.objects.filter(
        case__meeting=meeting, user_id__in=invited_ids
    ).values_list("case_id", "user_id"):
        invited_to.setdefault(case_id, set()).add(user_id)
    shown = {c.pk for c in cases if set(invited_ids) <= invited_to.get(c.pk, set())}
    persons = [c.person_id for c in cases if c.pk in shown]
    # what was shared with the cell about the person from any of their records (Person.same_as),
    # gathered under the first record's id
    records = records_of_persons(c.person for c in cases if c.pk in shown)
    today = timezone.localdate()
    shared: dict[int, list[Contribution]] = {}
    for contribution in (
        Contribution.objects.filter(
            person__in=records, to_livc_id=meeting.cell_id, withdrawn_at__isnull=True
        )
        .exclude(legal_basis=LegalBasis.CONSENT, consent_expires_on__lt=today)
        .annotate(first_record=Coalesce("person__same_as_id", "person_id"))
        .select_related("file__organisation")
        .order_by("-created_at", "-id")
    ):
        shared.setdefault(contribution.first_record, []).append(contribution)
    actions: dict[int, list[CaseAction]] = {}
    for action in CaseAction.objects.filter(
        cell_id=meeting.cell_id,
        person_id__in=persons,
        done_on__isnull=True,
        case__meeting__starts_at__lte=meeting.starts_at,
    ).select_related("owner"):
        actions.setdefault(action.person_id, []).append(action)
    return [
        {
            "case": case,
            "shown": case.pk in shown,
            "contributions": shared.get(case.person.first_record_id, [])
            if case.pk in shown
            else [],
            "actions": actions.get(case.person_id, []) if case.pk in shown else [],
        }
        for case in cases
    ]


def action_owners(case: AgendaCase) -> QuerySet[Organisation]:
    """Who an action on this case can be given to: the organisations sitting in the cell,
    those that shared something about the person with it, and those invited for the case
    (never a list of every organisation: it would cost more than the page)."""
    cell_id = case.meeting.cell_id
    seated = Membership.objects.current().filter(platform_id=cell_id).values("organisation_id")
    shared = Contribution.objects.filter(
        person__in=records_of_person(case.person), to_livc_id=cell_id
    ).values("file__organisation_id")
    invited = case.invitations.values("user__organisation_id")
    return Organisation.objects.filter(
        Q(pk__in=seated) | Q(pk__in=shared) | Q(pk__in=invited)
    ).only("key", "name")
