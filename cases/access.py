"""Who sees and does what in the Cases module. Every read path goes through here.

- A case file is seen only by its case team: members of the file's organisation assigned to
  the person, who still hold a role that keeps case files (cases.work_cases). Break-glass
  gives a member of the same organisation a few hours of read-only access with a reason.
  Nobody else sees it: not colleagues off the team, not other organisations, not
  coordinators, administrators or the data protection officer. Outside: 404.
- On the team, every member writes the journal, evaluations, plan drafts, contributions and
  referrals to services; the case manager alone approves plans, manages the team, exports,
  hands over, closes and reopens (403 for the others).
- Referrals (intake) are read by the receiving organisation's referral officers
  (cases.receive_referrals); their author sees the status of what they sent.
- The shared file of a person shows a contribution to the author's organisation's team and
  to the teams of the recipient organisations, while it is not withdrawn (and its consent
  has not expired).
- A referral to a service is read by the sending file's team and, for what was sent, by the
  service's organisation's case workers.
- The data protection officer (audit.view_audit_log) reads the disclosure log of the persons
  their organisation holds a file or a referral on, and reviews break-glass uses, without
  case content.

Getting one record for a user also writes its audit row: there is no unaudited read.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.roles import has_capability
from audit.models import AuditEvent
from audit.services import record
from cases.models import (
    BreakGlass,
    CaseFile,
    Contribution,
    Handover,
    HandoverStatus,
    Person,
    Referral,
    ServiceReferral,
    TeamMember,
    TeamRole,
)
from core.queries import unique_or_none


def holders_of(capability: str, organisation_ids):
    """The active users of these organisations whose role carries the capability (who gets
    a case's notifications, who can be put on a team)."""
    app_label, codename = capability.split(".")
    return User.objects.filter(
        organisation_id__in=list(organisation_ids),
        is_active=True,
        groups__permissions__content_type__app_label=app_label,
        groups__permissions__codename=codename,
    ).distinct()


def works_cases(user) -> bool:
    return has_capability(user, "cases.work_cases")


def receives_referrals(user) -> bool:
    return has_capability(user, "cases.receive_referrals")


def is_dpo(user) -> bool:
    return has_capability(user, "audit.view_audit_log")


def records_of_persons(persons) -> QuerySet[Person]:
    """The persons' records across organisations: each one's first record and those opened
    from it by receiving services (Person.same_as). What was shared, referred or handed over
    about a person may sit on any of them."""
    firsts = {person.first_record_id for person in persons}
    return Person.objects.filter(Q(pk__in=firsts) | Q(same_as_id__in=firsts))


def records_of_person(person: Person) -> QuerySet[Person]:
    return records_of_persons([person])


# --- Files ------------------------------------------------------------------------------


def _active_grants(user):
    return BreakGlass.objects.filter(user=user, expires_at__gt=timezone.now())


def visible_files(user) -> QuerySet[CaseFile]:
    """The files of the user's cases, and those opened by break-glass for now."""
    if not works_cases(user):
        return CaseFile.objects.none()
    seats = TeamMember.objects.filter(user=user, organisation_id=user.organisation_id)
    on_team = seats.values("file_id")
    grants = _active_grants(user).values("file_id")
    return CaseFile.objects.filter(organisation_id=user.organisation_id).filter(
        Q(pk__in=on_team) | Q(pk__in=grants)
    )


def team_files(user) -> QuerySet[CaseFile]:
    """Only the files the user is assigned to (lists and search do not show break-glass)."""
    if not works_cases(user):
        return CaseFile.objects.none()
    # The organisation is checked on the seat, which always carries its file's (TeamMember.save;
    # on PostgreSQL a foreign key on file and organisation enforces it). The same condition on
    # the file as well would hide from PostgreSQL that the user's seats are all there: it would
    # then read every seated file instead of walking the seats newest first until a page is
    # full (bench/CASES.md, finding 4).
    return CaseFile.objects.filter(team__user=user, team__organisation_id=user.organisation_id)


def get_file_for_user(user, file_uuid, action: str, **lookup) -> CaseFile:
    """The file, with `my_role` ("manager", "member" or "" for break-glass) and
    `access_reason`; records `action` as a read of the person's data."""
    file = _load_file(user, file_uuid, **lookup)
    record(action, actor=user, target=file, subject=file.person.uuid, reason=file.access_reason)
    return file


def _load_file(user, file_uuid, **lookup) -> CaseFile:
    role = TeamMember.objects.filter(file=OuterRef("pk"), user=user.pk).values("role")[:1]
    file: Any = unique_or_none(  # a CaseFile annotated with my_role, or None
        visible_files(user)
        .select_related("person", "organisation", "manager")
        .annotate(my_role=Subquery(role))
        .filter(uuid=file_uuid, **lookup)
    )
    if file is None:
        record(
            "case.file.denied",
            actor=user if user.is_authenticated else None,
            target=("cases.casefile", str(file_uuid)),
            subject=_subject_of(file_uuid),
        )
        raise Http404
    file.my_role = file.my_role or ""
    file.break_glass_grant = None
    if file.my_role:
        file.access_reason = "case team"
    else:
        grant = _active_grants(user).filter(file=file).order_by("-expires_at").first()
        file.break_glass_grant = grant
        file.access_reason = f"break-glass {grant.uuid}" if grant else ""
    return file


def _subject_of(file_uuid) -> str:
    """The person a file that was refused concerns, for their disclosure log."""
    try:
        return str(
            CaseFile.objects.filter(uuid=file_uuid).values_list("person__uuid", flat=True).first()
            or ""
        )
    except (ValueError, TypeError):
        return ""


def on_team(file: CaseFile) -> bool:
    return bool(getattr(file, "my_role", ""))


def is_manager(file: CaseFile) -> bool:
    return getattr(file, "my_role", "") == TeamRole.MANAGER


def can_edit_file(user, file: CaseFile) -> bool:
    """Team members write; break-glass reads only."""
    return on_team(file)


can_share = can_edit_file
can_refer = can_edit_file


def can_manage_file(user, file: CaseFile) -> bool:
    """Approve plans, manage the team, export, hand over, close, reopen."""
    return is_manager(file)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def get_child_for_user(user, model, file_uuid, child_uuid, action: str):
    """A record of a file (journal entry, evaluation, plan, attachment…), read with the
    file's access and audited as `action` on that record."""
    file = _load_file(user, file_uuid)
    obj = model.objects.filter(file=file, uuid=child_uuid).first()
    if obj is None:
        raise Http404
    obj.file = file
    record(action, actor=user, target=obj, subject=file.person.uuid, reason=file.access_reason)
    return obj


# --- Referrals (intake) -----------------------------------------------------------------


def visible_referrals(user) -> QuerySet[Referral]:
    if not receives_referrals(user):
        return Referral.objects.none()
    return Referral.objects.filter(organisation_id=user.organisation_id)


def sent_referrals(user) -> QuerySet[Referral]:
    """What the user referred: its status only is shown back to them."""
    if not user.is_authenticated:
        return Referral.objects.none()
    return Referral.objects.filter(created_by=user)


def get_referral_for_user(user, referral_uuid, action: str) -> Referral:
    referral = (
        visible_referrals(user)
        .select_related("person", "referrer_organisation", "file", "redirected_to")
        .filter(uuid=referral_uuid)
        .first()
    )
    if referral is None:
        raise Http404
    record(action, actor=user, target=referral, subject=referral.person.uuid)
    return referral


def can_refer_person(user) -> bool:
    """Anyone who keeps case files may bring a concern to a referral officer."""
    return works_cases(user)


# --- Shared file -------------------------------------------------------------------------


def disclosed(person: Person, organisation_id: int):
    """What an organisation passed on about the person, or received, on any of their
    records (for its DPO; the caller loads the person through get_person_for_dpo): its
    contributions and those addressed to it, its referrals to services and those to its
    services, its handovers and those to it. Querysets, each for the caller to shape.

    The recipients of contributions as a subquery rather than a join: a join repeats a
    contribution per recipient, and the DISTINCT that undoes it cost the planner 4 ms
    (bench/CASES.md)."""
    records = records_of_person(person)
    org = organisation_id
    received = Contribution.recipients.through.objects.filter(organisation_id=org)
    contributions = Contribution.objects.filter(person__in=records).filter(
        Q(file__organisation_id=org) | Q(pk__in=received.values("contribution_id"))
    )
    referrals = ServiceReferral.objects.filter(file__person__in=records).filter(
        Q(file__organisation_id=org) | Q(service__organisation_id=org)
    )
    handovers = Handover.objects.filter(file__person__in=records).filter(
        Q(file__organisation_id=org) | Q(to_organisation_id=org)
    )
    return contributions, referrals, handovers


def visible_contributions(user, file: CaseFile) -> QuerySet[Contribution]:
    """Seen from a file the user may read: its own contributions (withdrawn ones too,
    marked) and the active ones addressed to its organisation from another organisation's
    file on any of the person's records."""
    today = timezone.localdate()
    addressed = (
        Q(recipients=file.organisation_id, withdrawn_at__isnull=True)
        & ~Q(legal_basis="consent", consent_expires_on__lt=today)
        & ~Q(file__organisation_id=file.organisation_id)
    )
    mine = Q(file=file)  # not the organisation's: it may keep another file on a linked record
    about = Contribution.objects.filter(person__in=records_of_person(file.person))
    ids = about.filter(mine | addressed)
    return (
        Contribution.objects.filter(pk__in=ids.values("pk"))
        .select_related("author", "file__organisation", "to_livc")
        .prefetch_related("recipients")
    )


def get_contribution_for_user(user, file: CaseFile, contribution_uuid) -> Contribution:
    contribution = visible_contributions(user, file).filter(uuid=contribution_uuid).first()
    if contribution is None:
        raise Http404
    return contribution


def can_withdraw(user, file: CaseFile, contribution: Contribution) -> bool:
    """Its author, while on the team (a break-glass reader writes nothing)."""
    return on_team(file) and contribution.author_id == user.pk and contribution.withdrawn_at is None


# --- Referrals to services ---------------------------------------------------------------


def incoming_service_referrals(user) -> QuerySet[ServiceReferral]:
    if not works_cases(user):
        return ServiceReferral.objects.none()
    return ServiceReferral.objects.filter(service__organisation_id=user.organisation_id)


def get_incoming_referral_for_user(user, referral_uuid, action: str) -> ServiceReferral:
    referral = (
        incoming_service_referrals(user)
        .select_related(
            "service", "file__organisation", "file__person", "sent_by", "receiver_file__person"
        )
        .filter(uuid=referral_uuid)
        .first()
    )
    if referral is None:
        raise Http404
    record(action, actor=user, target=referral, subject=referral.file.person.uuid)
    return referral


def get_sent_referral_for_user(user, file: CaseFile, referral_uuid) -> ServiceReferral:
    referral = (
        file.service_referrals.select_related("service__organisation")
        .filter(uuid=referral_uuid)
        .first()
    )
    if referral is None:
        raise Http404
    return referral


# --- Handovers ---------------------------------------------------------------------------


def incoming_handovers(user) -> QuerySet[Handover]:
    if not receives_referrals(user):
        return Handover.objects.none()
    return Handover.objects.filter(
        to_organisation_id=user.organisation_id, status=HandoverStatus.PENDING
    )


def get_handover_for_user(user, handover_uuid, action: str) -> Handover:
    handover = (
        incoming_handovers(user)
        .select_related("file__person", "file__organisation", "requested_by")
        .filter(uuid=handover_uuid)
        .first()
    )
    if handover is None:
        raise Http404
    record(action, actor=user, target=handover, subject=handover.file.person.uuid)
    return handover


# --- Data protection officer ------------------------------------------------------------


def dpo_persons(user) -> QuerySet[Person]:
    """Persons the DPO's organisation holds a file or a referral on."""
    if not is_dpo(user):
        return Person.objects.none()
    org = user.organisation_id
    return Person.objects.filter(
        Q(Exists(CaseFile.objects.filter(person=OuterRef("pk"), organisation_id=org)))
        | Q(Exists(Referral.objects.filter(person=OuterRef("pk"), organisation_id=org)))
    )


def get_person_for_dpo(user, person_uuid, action: str) -> Person:
    if not user.is_authenticated:
        raise Http404
    if not is_dpo(user):
        raise PermissionDenied
    person = dpo_persons(user).filter(uuid=person_uuid).first()
    if person is None:
        raise Http404
    record(action, actor=user, target=person, subject=person.uuid)
    return person


def disclosure_events(user, person: Person) -> QuerySet[AuditEvent]:
    """Audit rows about the person within the DPO's reach: what their organisation's people
    did, and anyone's attempts on their organisation's files. Another organisation's own
    work on the person is for that organisation's DPO (showing it would reveal its file)."""
    org = user.organisation_id
    files = CaseFile.objects.filter(person=person, organisation_id=org).values_list("pk", "uuid")
    file_ids = [str(value) for pair in files for value in pair]
    in_reach = Q(organisation_id=org) | Q(target_type="cases.casefile", target_id__in=file_ids)
    # One CASE rather than the OR itself: PostgreSQL would estimate the OR from the whole
    # table (the organisation's share of all events, ~0.5 %) while nearly all of a person's
    # events are in reach, then read and sort all of them for each page of 50. A CASE it
    # estimates at one half, and walks the (subject, at) index in the page's order instead
    # (bench/CASES.md: 11,000 events, 30 ms -> 0.2 ms).
    # What the organisation did about the person may be recorded under a linked record's
    # id (a referral received about the sender's record). Most persons have one record, and
    # an equality keeps the index walk in the page's order; with several, PostgreSQL reads
    # and sorts all their events for each page (bench/CASES.md, finding 2).
    subjects = [str(u) for u in records_of_person(person).values_list("uuid", flat=True)]
    about = Q(subject=str(person.uuid)) if len(subjects) < 2 else Q(subject__in=subjects)
    return AuditEvent.objects.filter(about).filter(
        Case(When(in_reach, then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def break_glass_file(user, handle: str) -> CaseFile | None:
    """The file break-glass may open for the user: their organisation's file on the person
    with this handle, one they are not on the team of. Otherwise None, the same whether the
    handle is unknown, held elsewhere or already the user's case, and the refusal recorded
    (naming the person when the handle exists)."""
    handle = handle.strip().upper()
    file = (
        CaseFile.objects.select_related("person", "manager")
        .filter(person__handle=handle, organisation_id=user.organisation_id)
        .exclude(team__user=user)
        .first()
    )
    if file is None:
        person_uuid = Person.objects.filter(handle=handle).values_list("uuid", flat=True)
        record(
            "case.break_glass.refused",
            actor=user,
            target=("cases.casefile", ""),
            subject=person_uuid.first() or "",
        )
    return file


def break_glass_to_review(user) -> QuerySet[BreakGlass]:
    if not is_dpo(user):
        return BreakGlass.objects.none()
    return BreakGlass.objects.filter(file__organisation_id=user.organisation_id)


def get_break_glass_for_dpo(user, grant_uuid, action: str) -> BreakGlass:
    """A break-glass use of the DPO's organisation, for review; 403 for anyone else."""
    if not is_dpo(user):
        raise PermissionDenied
    grant = (
        break_glass_to_review(user)
        .select_related("user", "file__person", "reviewed_by")
        .filter(uuid=grant_uuid)
        .first()
    )
    if grant is None:
        raise Http404
    record(action, actor=user, target=grant, subject=grant.file.person.uuid)
    return grant
