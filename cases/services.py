"""Writes to persons' files, each with its audit event (no personal data in it) in the same
transaction. Callers check access first (cases/access.py); these functions check the rules
of the data itself (a legal basis for sharing, one draft plan, versions for concurrent
edits) and raise ValidationError or EditConflict.
"""

from __future__ import annotations

import datetime
import json
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from cases.access import holders_of, works_cases
from cases.models import (
    BREAK_GLASS_HOURS,
    SERVICE_ANSWER_DAYS,
    SERVICE_OUTCOME_DAYS,
    Attachment,
    BreakGlass,
    CaseFile,
    ClosureReason,
    Condition,
    ConditionCheck,
    Contribution,
    Evaluation,
    FileStatus,
    Goal,
    GuardianDecision,
    GuidancePlan,
    HandleCounter,
    Handover,
    HandoverStatus,
    JournalEntry,
    LegalBasis,
    Person,
    PlanStatus,
    Referral,
    ReferralField,
    ReferralStatus,
    ServiceReferral,
    ServiceReferralStatus,
    TeamMember,
    TeamRole,
    default_due,
)
from core.encryption import decrypt_bytes, encrypt_bytes, normalise
from core.versioning import (
    EditConflict as EditConflict,  # raised from here; the views catch it as services.EditConflict
)
from core.versioning import changed_fields as _fields
from core.versioning import lock_version as _lock
from core.versioning import save_versioned


def _save_versioned(obj, data: dict[str, Any], expected_version: int | None, action: str, actor):
    """Apply `data` to the locked row, bump its version and audit the changed fields."""
    current, changed = save_versioned(obj, data, expected_version)
    if changed:
        record(
            action, actor=actor, target=current, changes=_fields(changed), subject=_subject(current)
        )
    return current


def _subject(obj) -> str:
    if isinstance(obj, Person):
        return str(obj.uuid)
    if isinstance(obj, CaseFile | Referral):
        return str(obj.person.uuid)
    return str(obj.file.person.uuid)


def _touch(file: CaseFile) -> None:
    CaseFile.objects.filter(pk=file.pk).update(updated_at=timezone.now())


# --- Persons and intake ------------------------------------------------------------------


def handle_prefix(municipality: str, organisation) -> str:
    words = normalise(municipality)
    if not words and organisation is not None:
        words = normalise(organisation.abbreviation or organisation.key)
    return (words[0][:3] if words else "syn").upper()


def new_handle(prefix: str) -> str:
    year = timezone.localdate().year
    counter, _created = HandleCounter.objects.select_for_update().get_or_create(
        prefix=prefix, year=year
    )
    HandleCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    return f"{prefix}-{year}-{counter.last:04d}"


def _check_guardian(person: Person, guardian: str, reason: str = "") -> None:
    if person.is_minor and not guardian:
        raise ValidationError(
            {"guardian": _("The person is a minor: record how parents or guardian are involved.")}
        )
    if guardian == GuardianDecision.NOT_INVOLVED and not reason.strip():
        raise ValidationError(
            {"guardian_reason": _("Say why parents or guardian are not involved.")}
        )


def create_referral(*, actor: User, person_data: dict, data: dict) -> Referral:
    """Record a concern about a person, for the referral officers of `data["organisation"]`."""
    with transaction.atomic():
        person = Person(**person_data)
        _check_guardian(person, data.get("guardian", ""), data.get("guardian_reason", ""))
        person.handle = new_handle(handle_prefix(person.municipality, data["organisation"]))
        person.save()
        record("case.person.created", actor=actor, target=person, subject=person.uuid)
        referral = Referral.objects.create(person=person, created_by=actor, **data)
        record(
            "case.referral.created",
            actor=actor,
            target=referral,
            subject=person.uuid,
            changes=_fields(data),
        )
    return referral


def _decide(referral: Referral, status: str, actor, expected_version, **extra) -> Referral:
    current = _lock(referral, expected_version)
    if current.status != ReferralStatus.RECEIVED:
        raise ValidationError(_("This referral has already been decided."))
    for key, value in extra.items():
        setattr(current, key, value)
    current.status = status
    current.decided_by = actor
    current.decided_at = timezone.now()
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    record(
        f"case.referral.{status}",
        actor=actor,
        target=current,
        subject=current.person.uuid,
        changes={"status": [ReferralStatus.RECEIVED, status]},
    )
    return current


def accept_referral(
    referral: Referral, *, actor: User, manager: User, note: str = "", expected_version=None
) -> CaseFile:
    """Open (or reopen) the organisation's file on the person, managed by `manager`."""
    if manager.organisation_id != referral.organisation_id or not works_cases(manager):
        raise ValidationError({"manager": _("Choose a case worker of your organisation.")})
    with transaction.atomic():
        file = _file_for(referral.person, referral.organisation, manager, actor)
        _decide(
            referral,
            ReferralStatus.ACCEPTED,
            actor,
            expected_version,
            file=file,
            decision_note=note,
        )
        return file


def open_file(person: Person, organisation, *, manager: User, actor: User) -> CaseFile:
    """The organisation's own file on a person record it already works with (the demo's
    justice house, which referred the person itself): opened empty, nothing copied from
    other files. A service that received a referral uses open_file_from_service_referral,
    whose person record holds only what was sent."""
    if manager.organisation_id != organisation.pk or not works_cases(manager):
        raise ValidationError({"manager": _("Choose a case worker of your organisation.")})
    with transaction.atomic():
        return _file_for(person, organisation, manager, actor)


def _file_for(person: Person, organisation, manager: User, actor) -> CaseFile:
    """The organisation's file on the person: created with `manager` as case manager,
    reopened with them as its manager, or (already open) joined by them as a member."""
    file = CaseFile.objects.filter(person=person, organisation=organisation).first()
    if file is None:
        file = CaseFile.objects.create(person=person, organisation=organisation, manager=manager)
        record("case.file.created", actor=actor, target=file, subject=person.uuid)
        _seat(file, manager, TeamRole.MANAGER, actor)
    elif file.status == FileStatus.CLOSED:
        _reopen(file, actor)
        _make_manager(file, manager, actor)
    elif not TeamMember.objects.filter(file=file, user=manager).exists():
        _seat(file, manager, TeamRole.MEMBER, actor)
    return file


def redirect_referral(referral, *, actor, service, note: str = "", expected_version=None):
    with transaction.atomic():
        return _decide(
            referral,
            ReferralStatus.REDIRECTED,
            actor,
            expected_version,
            redirected_to=service,
            decision_note=note,
        )


def close_referral(referral, *, actor, note: str = "", expected_version=None):
    """No further action: the referral keeps only its short retention."""
    with transaction.atomic():
        return _decide(
            referral, ReferralStatus.NO_FURTHER_ACTION, actor, expected_version, decision_note=note
        )


# --- The file and its team -----------------------------------------------------------------


def _seat(file: CaseFile, user: User, role: str, actor) -> None:
    member, created = TeamMember.objects.get_or_create(
        file=file, user=user, defaults={"role": role}
    )
    if created or member.role != role:
        if not created:
            member.role = role
            member.save(update_fields=["role"])
        record(
            "case.team.added",
            actor=actor,
            target=file,
            subject=file.person.uuid,
            changes={"member": [None, user.pk], "role": [None, role]},
        )


def add_team_member(file: CaseFile, user: User, *, actor: User) -> None:
    if user.organisation_id != file.organisation_id or not works_cases(user):
        raise ValidationError({"user": _("Choose a case worker of this organisation.")})
    if TeamMember.objects.filter(file=file, user=user).exists():
        raise ValidationError({"user": _("This colleague is already on the team.")})
    with transaction.atomic():
        _seat(file, user, TeamRole.MEMBER, actor)


def remove_team_member(file: CaseFile, user: User, *, actor: User) -> None:
    if user.pk == file.manager_id:
        raise ValidationError(_("The case manager stays on the team; hand the file over first."))
    with transaction.atomic():
        if TeamMember.objects.filter(file=file, user=user).delete()[0]:
            record(
                "case.team.removed",
                actor=actor,
                target=file,
                subject=file.person.uuid,
                changes={"member": [user.pk, None]},
            )


def change_manager(file: CaseFile, user: User, *, actor: User) -> CaseFile:
    if user.organisation_id != file.organisation_id or not works_cases(user):
        raise ValidationError({"user": _("Choose a case worker of this organisation.")})
    with transaction.atomic():
        _make_manager(file, user, actor)
    file.refresh_from_db()
    return file


def _make_manager(file: CaseFile, user: User, actor) -> None:
    """`user` becomes the one case manager: every other manager seat becomes a member's."""
    TeamMember.objects.filter(file=file, role=TeamRole.MANAGER).exclude(user=user).update(
        role=TeamRole.MEMBER
    )
    _seat(file, user, TeamRole.MANAGER, actor)
    old = file.manager_id
    if old != user.pk:
        CaseFile.objects.filter(pk=file.pk).update(manager=user, version=F("version") + 1)
        record(
            "case.file.manager_changed",
            actor=actor,
            target=file,
            subject=file.person.uuid,
            changes={"manager": [old, user.pk]},
        )


def update_file(file: CaseFile, data: dict, *, actor: User, expected_version=None) -> CaseFile:
    with transaction.atomic():
        return _save_versioned(file, data, expected_version, "case.file.updated", actor)


def close_file(file: CaseFile, data: dict, *, actor: User, expected_version=None) -> CaseFile:
    if file.status == FileStatus.CLOSED:
        raise ValidationError(_("This file is already closed."))
    with transaction.atomic():
        data = {**data, "status": FileStatus.CLOSED, "closed_on": timezone.localdate()}
        return _save_versioned(file, data, expected_version, "case.file.closed", actor)


def _reopen(file: CaseFile, actor) -> None:
    CaseFile.objects.filter(pk=file.pk).update(
        status=FileStatus.OPEN,
        closed_on=None,
        closure_reason="",
        outcome="",
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    record(
        "case.file.reopened",
        actor=actor,
        target=file,
        subject=file.person.uuid,
        changes={"status": [FileStatus.CLOSED, FileStatus.OPEN]},
    )
    file.refresh_from_db()


def reopen_file(file: CaseFile, *, actor: User) -> CaseFile:
    if file.status != FileStatus.CLOSED:
        raise ValidationError(_("This file is open."))
    with transaction.atomic():
        _reopen(file, actor)
    return file


# --- Journal, evaluations, plans, conditions, attachments ---------------------------------


def add_entry(file: CaseFile, data: dict, *, actor: User) -> JournalEntry:
    with transaction.atomic():
        entry = JournalEntry.objects.create(file=file, author=actor, **data)
        record(
            "case.journal.created",
            actor=actor,
            target=entry,
            subject=file.person.uuid,
            changes=_fields(data),
        )
        _touch(file)
    return entry


def update_entry(entry: JournalEntry, data: dict, *, actor: User, expected_version=None):
    with transaction.atomic():
        entry = _save_versioned(entry, data, expected_version, "case.journal.updated", actor)
        _touch(entry.file)
    return entry


def add_evaluation(file: CaseFile, data: dict, *, actor: User) -> Evaluation:
    """Signed by its author at the moment of saving; a later view is a new evaluation."""
    spheres = {
        key: {part: text.strip() for part, text in parts.items() if text.strip()}
        for key, parts in (data.pop("spheres", None) or {}).items()
    }
    spheres = {key: parts for key, parts in spheres.items() if parts}
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            file=file, author=actor, signed_at=timezone.now(), spheres=spheres, **data
        )
        record(
            "case.evaluation.signed",
            actor=actor,
            target=evaluation,
            subject=file.person.uuid,
            changes=_fields([*data, *(f"spheres.{k}" for k in spheres)]),
        )
        _touch(file)
    return evaluation


GOAL_FIELDS = (
    "sphere",
    "description",
    "partner",
    "interventions",
    "starts_on",
    "due_on",
    "progress",
    "progress_note",
)


def draft_plan(file: CaseFile, *, actor: User) -> GuidancePlan:
    """The draft being written, or a new version copying the latest plan's goals."""
    with transaction.atomic():
        draft = file.plans.filter(status=PlanStatus.DRAFT).first()
        if draft is not None:
            return draft
        latest = file.plans.order_by("-number").first()
        draft = GuidancePlan.objects.create(
            file=file,
            number=(latest.number + 1) if latest else 1,
            phase=latest.phase if latest else file.phase,
            context=latest.context if latest else file.context,
            review_on=(latest.review_on if latest else None)
            or timezone.localdate() + datetime.timedelta(days=90),
            created_by=actor,
        )
        if latest is not None:
            Goal.objects.bulk_create(
                Goal(
                    plan=draft, position=goal.position, **{f: getattr(goal, f) for f in GOAL_FIELDS}
                )
                for goal in latest.goals.all()
            )
        record("case.plan.drafted", actor=actor, target=draft, subject=file.person.uuid)
    return draft


def save_plan(
    plan: GuidancePlan, data: dict, goals: list[dict], *, actor: User, expected_version=None
) -> GuidancePlan:
    """Replace the draft's header and goals (goals in the given order)."""
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("Only a draft plan can be changed; start a new version."))
    with transaction.atomic():
        current = _lock(plan, expected_version, required=True)
        for key, value in data.items():
            setattr(current, key, value)
        current.version = F("version") + 1
        current.save()
        current.refresh_from_db()
        current.goals.all().delete()
        Goal.objects.bulk_create(
            Goal(plan=current, position=i, **goal) for i, goal in enumerate(goals)
        )
        record(
            "case.plan.saved",
            actor=actor,
            target=current,
            subject=plan.file.person.uuid,
            changes={**_fields(data), "goals": [None, len(goals)]},
        )
        _touch(plan.file)
    return current


def approve_plan(plan: GuidancePlan, *, actor: User, expected_version=None) -> GuidancePlan:
    """The case manager approves the draft: it becomes the plan, the previous one is
    superseded, and the file takes its phase, context and review date."""
    with transaction.atomic():
        plan = _lock(plan, expected_version, required=True)
        if plan.status != PlanStatus.DRAFT:
            raise ValidationError(_("This plan version is not a draft."))
        if not plan.goals.exists():
            raise ValidationError(_("A plan needs at least one goal."))
        plan.file.plans.filter(status=PlanStatus.APPROVED).update(status=PlanStatus.SUPERSEDED)
        GuidancePlan.objects.filter(pk=plan.pk).update(
            status=PlanStatus.APPROVED,
            approved_by=actor,
            approved_at=timezone.now(),
            version=F("version") + 1,
        )
        CaseFile.objects.filter(pk=plan.file_id).update(
            phase=plan.phase,
            context=plan.context,
            next_review_on=plan.review_on,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        record(
            "case.plan.approved",
            actor=actor,
            target=plan,
            subject=plan.file.person.uuid,
            changes={"status": [PlanStatus.DRAFT, PlanStatus.APPROVED]},
        )
    plan.refresh_from_db()
    return plan


def add_condition(file: CaseFile, data: dict, *, actor: User) -> Condition:
    assistant = data.get("justice_assistant")
    if assistant is not None and not TeamMember.objects.filter(file=file, user=assistant).exists():
        raise ValidationError({"justice_assistant": _("Choose a member of the case team.")})
    with transaction.atomic():
        condition = Condition.objects.create(file=file, created_by=actor, **data)
        record(
            "case.condition.created",
            actor=actor,
            target=condition,
            subject=file.person.uuid,
            changes=_fields(data),
        )
        _touch(file)
    return condition


def check_condition(condition: Condition, data: dict, *, actor: User) -> ConditionCheck:
    with transaction.atomic():
        check = ConditionCheck.objects.create(condition=condition, author=actor, **data)
        record(
            "case.condition.checked",
            actor=actor,
            target=condition,
            subject=condition.file.person.uuid,
            changes=_fields(data),
        )
        _touch(condition.file)
    return check


MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def add_attachment(file: CaseFile, upload, *, actor: User) -> Attachment:
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"upload": _("A document may be 10 MB at most.")})
    blob = f"cases/{secrets.token_hex(16)}.bin"
    with transaction.atomic():
        default_storage.save(blob, ContentFile(encrypt_bytes(upload.read())))
        attachment = Attachment.objects.create(
            file=file,
            name=upload.name[:200],
            content_type=(upload.content_type or "application/octet-stream")[:100],
            size=upload.size,
            blob=blob,
            uploaded_by=actor,
        )
        record("case.attachment.created", actor=actor, target=attachment, subject=file.person.uuid)
        _touch(file)
    return attachment


def attachment_bytes(attachment: Attachment) -> bytes:
    with default_storage.open(attachment.blob, "rb") as handle:
        return decrypt_bytes(handle.read())


# --- Sharing -------------------------------------------------------------------------------


def _check_basis(person: Person, data: dict) -> None:
    if data.get("legal_basis") == LegalBasis.CONSENT and not data.get("consent_reference"):
        raise ValidationError(
            {"consent_reference": _("With consent as the basis, give the consent's reference.")}
        )
    expires = data.get("consent_expires_on")
    if data.get("legal_basis") == LegalBasis.CONSENT and expires and expires < timezone.localdate():
        raise ValidationError({"consent_expires_on": _("This consent has expired.")})
    if data.get("legal_basis") == LegalBasis.CONSENT:
        _check_guardian(person, data.get("guardian", ""), "-")


def contribute(
    file: CaseFile, data: dict, recipients: list, *, actor: User, to_livc=None
) -> Contribution:
    """Share one item, on a legal basis, for a purpose, with named recipients."""
    if not recipients and to_livc is None:
        raise ValidationError(_("Choose the LIVC-R or at least one partner organisation."))
    _check_basis(file.person, data)
    with transaction.atomic():
        contribution = Contribution.objects.create(
            person=file.person, file=file, author=actor, to_livc=to_livc, **data
        )
        contribution.recipients.set(recipients)
        record(
            "case.contribution.shared",
            actor=actor,
            target=contribution,
            subject=file.person.uuid,
            changes={
                "legal_basis": [None, contribution.legal_basis],
                "recipients": [None, sorted(o.pk for o in recipients)],
                "livc": [None, to_livc.pk if to_livc else None],
            },
        )
        _touch(file)
    return contribution


def withdraw_contribution(contribution: Contribution, reason: str, *, actor: User) -> Contribution:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the contribution is withdrawn.")})
    with transaction.atomic():
        contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
        if contribution.withdrawn_at is not None:
            raise ValidationError(_("This contribution is already withdrawn."))
        contribution.withdrawn_at = timezone.now()
        contribution.withdrawn_by = actor
        contribution.withdrawal_reason = reason.strip()[:300]
        contribution.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        record(
            "case.contribution.withdrawn",
            actor=actor,
            target=contribution,
            subject=contribution.person.uuid,
        )
    return contribution


# --- Referrals to services -------------------------------------------------------------------


def shared_values(person: Person, fields: list[str]) -> dict[str, Any]:
    values: dict[str, str] = {
        ReferralField.HANDLE: person.handle,
        ReferralField.NAME: person.full_name,
        ReferralField.DATE_OF_BIRTH: person.date_of_birth.isoformat()
        if person.date_of_birth
        else "",
        ReferralField.MUNICIPALITY: person.municipality,
        ReferralField.LANGUAGES: ", ".join(person.languages),
    }
    return {field: values[field] for field in fields}


def refer_to_service(
    file: CaseFile,
    service,
    *,
    fields: list[str],
    message: str,
    legal_basis: str,
    actor: User,
    consent_reference: str = "",
    consent_expires_on=None,
    guardian: str = "",
) -> ServiceReferral:
    basis = {
        "legal_basis": legal_basis,
        "consent_reference": consent_reference,
        "consent_expires_on": consent_expires_on,
        "guardian": guardian,
    }
    _check_basis(file.person, basis)
    fields = [f for f in ReferralField.values if f in set(fields) | {ReferralField.HANDLE}]
    with transaction.atomic():
        referral = ServiceReferral.objects.create(
            consent_reference=consent_reference,
            consent_expires_on=consent_expires_on,
            guardian=guardian,
            file=file,
            service=service,
            fields=fields,
            shared=shared_values(file.person, fields),
            message=message,
            legal_basis=legal_basis,
            sent_by=actor,
            due_on=default_due(SERVICE_ANSWER_DAYS),
        )
        record(
            "case.service_referral.sent",
            actor=actor,
            target=referral,
            subject=file.person.uuid,
            changes={
                "service": [None, service.pk],
                "fields": [None, fields],
                "legal_basis": [None, legal_basis],
            },
        )
        _touch(file)
        _notify_organisation(
            service.organisation_id,
            _("A referral to one of your services awaits an answer"),
            reverse("cases:incoming", kwargs={"referral_uuid": referral.uuid}),
        )
    return referral


# which answers may follow which status
NEXT_STATUS = {
    ServiceReferralStatus.SENT: {ServiceReferralStatus.ACCEPTED, ServiceReferralStatus.REFUSED},
    ServiceReferralStatus.ACCEPTED: {ServiceReferralStatus.DONE, ServiceReferralStatus.DROPPED},
}


def answer_service_referral(
    referral: ServiceReferral, status: str, reason: str, *, actor: User, expected_version=None
) -> ServiceReferral:
    """The receiving service accepts or refuses (with a reason), then reports done or
    dropped; the sender sees each step."""
    with transaction.atomic():
        current = _lock(referral, expected_version)
        if status not in NEXT_STATUS.get(current.status, set()):
            raise ValidationError(
                {"status": _("This answer does not follow the referral's state.")}
            )
        if status in (ServiceReferralStatus.REFUSED, ServiceReferralStatus.DROPPED) and not (
            reason.strip()
        ):
            raise ValidationError({"reason": _("Give the reason.")})
        old = current.status
        current.status = status
        current.reason = reason.strip()
        current.answered_by = actor
        current.answered_at = timezone.now()
        current.due_on = default_due(SERVICE_OUTCOME_DAYS)
        current.version = F("version") + 1
        current.save()
        current.refresh_from_db()
        record(
            f"case.service_referral.{status}",
            actor=actor,
            target=current,
            subject=referral.file.person.uuid,
            changes={"status": [old, status]},
        )
        _touch(referral.file)
    return current


def open_file_from_service_referral(referral: ServiceReferral, *, actor: User) -> CaseFile:
    """The receiving organisation's own file on the person of an accepted referral to one of
    its services, managed by `actor`. The file's person record is a new one holding only
    what the sender chose to send (never the national number): the receiving organisation
    keeps its own file without reaching the sender's record of the person. One per referral."""
    organisation = referral.service.organisation
    if actor.organisation_id != organisation.pk or not works_cases(actor):
        raise ValidationError(_("Only a case worker of the receiving organisation can do this."))
    with transaction.atomic():
        current = ServiceReferral.objects.select_for_update().get(pk=referral.pk)
        if current.status != ServiceReferralStatus.ACCEPTED:
            raise ValidationError(_("Accept the referral before opening a file on the person."))
        if current.receiver_file_id is not None:
            raise ValidationError(
                _("Your organisation has already opened its file from this referral.")
            )
        sent: dict[str, str] = current.shared or {}
        origin = referral.file.person
        born = sent.get(ReferralField.DATE_OF_BIRTH, "")
        person = Person(
            full_name=sent.get(ReferralField.NAME, ""),
            date_of_birth=datetime.date.fromisoformat(born) if born else None,
            municipality=sent.get(ReferralField.MUNICIPALITY, ""),
            languages=[code for code in sent.get(ReferralField.LANGUAGES, "").split(", ") if code],
            # the incoming referral already shows a minor as such, date of birth sent or not
            minor_until=_new_year_after(origin.comes_of_age_on)
            if not born and origin.is_minor
            else None,
            same_as_id=origin.first_record_id,
        )
        person.handle = new_handle(handle_prefix(person.municipality, organisation))
        person.save()
        record("case.person.created", actor=actor, target=person, subject=person.uuid)
        file = _file_for(person, organisation, actor, actor)
        current.receiver_file = file
        current.save(update_fields=["receiver_file"])
        record(
            "case.service_referral.file_opened",
            actor=actor,
            target=current,
            subject=origin.uuid,
        )
    return file


def _new_year_after(day: datetime.date | None) -> datetime.date | None:
    """The 1st of January on or after `day`: a minor's flag on a record without their date
    of birth ends then rather than on their birthday, which would give the date away."""
    if day is None or (day.month, day.day) == (1, 1):
        return day
    return datetime.date(day.year + 1, 1, 1)


def withdraw_service_referral(referral: ServiceReferral, *, actor: User) -> ServiceReferral:
    with transaction.atomic():
        current = _lock(referral, None)
        if current.status not in NEXT_STATUS:
            raise ValidationError(_("This referral is already finished."))
        old = current.status
        current.status = ServiceReferralStatus.WITHDRAWN
        current.version = F("version") + 1
        current.save()
        current.refresh_from_db()
        record(
            "case.service_referral.withdrawn",
            actor=actor,
            target=current,
            subject=referral.file.person.uuid,
            changes={"status": [old, current.status]},
        )
    return current


# --- Continuity ------------------------------------------------------------------------------


def request_handover(file: CaseFile, data: dict, *, actor: User) -> Handover:
    if data["to_organisation"].pk == file.organisation_id:
        raise ValidationError(
            {"to_organisation": _("Within your organisation, change the case manager.")}
        )
    _check_basis(file.person, data)
    with transaction.atomic():
        handover = Handover.objects.create(file=file, requested_by=actor, **data)
        record(
            "case.handover.requested",
            actor=actor,
            target=handover,
            subject=file.person.uuid,
            changes={
                "to_organisation": [None, data["to_organisation"].pk],
                "legal_basis": [None, data["legal_basis"]],
            },
        )
    return handover


def decide_handover(
    handover: Handover, *, accept: bool, actor: User, manager: User | None = None
) -> Handover:
    """The receiving organisation opens its own file, starting from the summary only;
    the sending file is closed as handed over."""
    with transaction.atomic():
        current = Handover.objects.select_for_update().get(pk=handover.pk)
        if current.status != HandoverStatus.PENDING:
            raise ValidationError(_("This handover has already been decided."))
        current.decided_by = actor
        current.decided_at = timezone.now()
        if not accept:
            current.status = HandoverStatus.DECLINED
            current.save()
            record("case.handover.declined", actor=actor, target=current, subject=_subject(current))
            return current
        if manager is None or manager.organisation_id != current.to_organisation_id:
            raise ValidationError({"manager": _("Choose a case worker of your organisation.")})
        person = current.file.person
        file = _file_for(person, current.to_organisation, manager, actor)
        entry = JournalEntry.objects.create(
            file=file, kind="event", text=current.summary, author=actor
        )
        record(
            "case.journal.created",
            actor=actor,
            target=entry,
            subject=person.uuid,
            changes=_fields(["kind", "text"]),
        )
        current.status = HandoverStatus.ACCEPTED
        current.new_file = file
        current.save()
        record("case.handover.accepted", actor=actor, target=current, subject=person.uuid)
        source = current.file
        if source.status == FileStatus.OPEN:
            _save_versioned(
                source,
                {
                    "status": FileStatus.CLOSED,
                    "closed_on": timezone.localdate(),
                    "closure_reason": ClosureReason.HANDED_OVER,
                },
                source.version,
                "case.file.closed",
                actor,
            )
    return current


# --- Break-glass, reveal, export -----------------------------------------------------------


def break_glass(file: CaseFile, reason: str, *, actor: User) -> BreakGlass:
    if len(reason.strip()) < 15:
        raise ValidationError({"reason": _("Explain the emergency in a full sentence.")})
    with transaction.atomic():
        grant = BreakGlass.objects.create(
            user=actor,
            file=file,
            reason=reason.strip(),
            expires_at=timezone.now() + datetime.timedelta(hours=BREAK_GLASS_HOURS),
        )
        record(
            "case.break_glass.opened",
            actor=actor,
            target=file,
            subject=file.person.uuid,
            reason=f"break-glass {grant.uuid}",
        )
        dpos = holders_of("audit.view_audit_log", [file.organisation_id])
        recipients = {file.manager.email, *dpos.values_list("email", flat=True)}
        url = reverse("cases:break_glass_review")
        subject = _("Break-glass access to file %(handle)s") % {"handle": file.person.handle}
        transaction.on_commit(lambda: _mail(subject, url, sorted(recipients)))
    return grant


def review_break_glass(grant: BreakGlass, *, justified: bool, note: str, actor: User):
    with transaction.atomic():
        grant = BreakGlass.objects.select_for_update().get(pk=grant.pk)
        if grant.reviewed_at is not None:
            raise ValidationError(_("This access has already been reviewed."))
        grant.reviewed_by = actor
        grant.reviewed_at = timezone.now()
        grant.justified = justified
        grant.review_note = note.strip()[:300]
        grant.save(update_fields=["reviewed_by", "reviewed_at", "justified", "review_note"])
        record(
            "case.break_glass.reviewed",
            actor=actor,
            target=grant,
            subject=grant.file.person.uuid,
            changes={"justified": [None, justified]},
        )
    return grant


def reveal_national_number(file: CaseFile, *, actor: User) -> str:
    record(
        "case.person.national_number_revealed",
        actor=actor,
        target=file.person,
        subject=file.person.uuid,
        reason=file.access_reason,
    )
    return file.person.national_number


def export_file(file: CaseFile, *, actor: User) -> bytes:
    """The whole agency file as JSON, for the case manager (an access request, a court)."""
    person = file.person
    data = {
        "exported_at": timezone.now().isoformat(),
        "organisation": file.organisation.key,
        "person": {
            "handle": person.handle,
            "name": person.full_name,
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
            "municipality": person.municipality,
            "languages": person.languages,
        },
        "file": {
            "status": file.status,
            "phase": file.phase,
            "context": file.context,
            "opened_on": file.opened_on.isoformat(),
            "closed_on": file.closed_on.isoformat() if file.closed_on else None,
            "closure_reason": file.closure_reason,
            "outcome": file.outcome,
            "closure_note": file.closure_note,
        },
        "conditions": [
            {
                "imposed_by": c.imposed_by,
                "imposed_on": c.imposed_on.isoformat(),
                "until": c.until.isoformat() if c.until else None,
                "condition": c.text,
                "checks": [
                    {"date": k.checked_on.isoformat(), "finding": k.compliance, "note": k.note}
                    for k in c.checks.all()
                ],
            }
            for c in file.conditions.prefetch_related("checks")
        ],
        "attachments": [
            {"name": a.name, "content_type": a.content_type, "size": a.size}
            for a in file.attachments.all()
        ],
        "journal": [
            {"date": e.occurred_on.isoformat(), "kind": e.kind, "text": e.text}
            for e in file.journal.order_by("occurred_on", "id")
        ],
        "evaluations": [
            {
                "date": e.evaluated_on.isoformat(),
                "author": e.author.full_name,
                "diagnosis": e.summary,
                "spheres": e.spheres,
                "instrument": e.instrument,
                "instrument_summary": e.instrument_summary,
            }
            for e in file.evaluations.select_related("author")
        ],
        "plans": [
            {
                "version": p.number,
                "status": p.status,
                "phase": p.phase,
                "context": p.context,
                "review_on": p.review_on.isoformat(),
                "goals": [
                    {
                        "sphere": g.sphere,
                        "goal": g.description,
                        "partner": g.partner.key,
                        "interventions": g.interventions,
                        "progress": g.progress,
                    }
                    for g in p.goals.all()
                ],
            }
            for p in file.plans.prefetch_related("goals__partner")
        ],
        "contributions": [
            {
                "date": c.created_at.isoformat(),
                "kind": c.kind,
                "text": c.text,
                "legal_basis": c.legal_basis,
                "purpose": c.purpose,
                "withdrawn": c.withdrawn_at is not None,
            }
            for c in file.contributions.all()
        ],
        "service_referrals": [
            {
                "service": str(r.service),
                "sent_at": r.sent_at.isoformat(),
                "fields": r.fields,
                "status": r.status,
            }
            for r in file.service_referrals.select_related("service")
        ],
    }
    record(
        "case.file.exported",
        actor=actor,
        target=file,
        subject=person.uuid,
        reason=file.access_reason,
    )
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


# --- Notifications (never with personal data) ------------------------------------------------


def _mail(subject: str, path: str, recipients: list[str]) -> None:
    if recipients:
        body = settings.SITE_URL.rstrip("/") + path
        send_mail(subject, body, None, recipients, fail_silently=True)


def _notify_organisation(organisation_id: int, subject: str, path: str) -> None:
    recipients = list(
        holders_of("cases.work_cases", [organisation_id]).values_list("email", flat=True)
    )
    text = str(subject)
    transaction.on_commit(lambda: _mail(text, path, recipients))
