"""Case consultations of an LIVC-R (Law of 30 July 2018): meetings with an agenda of
persons under their handle, the attendance register and confidentiality declarations, what
partners contribute per case, the discussion, decisions and actions, the consensus that
must precede an information sheet to the threat-assessment unit (OCAM/CUTA), and minutes
kept apart from the persons' files.

The cell is a `platforms.Platform` of kind LIVC-R; its members are the holders of the posts
that sit in it (`platforms.Membership.post`, whose `legal_role` says why). Who sees what is
decided in access.py only; free text about persons is encrypted at rest.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.encryption import EncryptedTextField

# The text an occasional participant signs; its version is stored with each signature so
# that a later wording never rewrites what someone agreed to.
DECLARATION_VERSION = "2026-1"


class Record(models.Model):
    """Printed as kind and id, never with personal data."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", pgettext_lazy("meeting status", "Held")
    CANCELLED = "cancelled", pgettext_lazy("meeting status", "Cancelled")


class Meeting(Record):
    """One case consultation meeting of a cell."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cell = models.ForeignKey(
        "platforms.Platform",
        verbose_name=_("LIVC-R"),
        on_delete=models.PROTECT,
        related_name="consultations",
        limit_choices_to={"kind": "livc_r"},
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("place"), max_length=200)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("secretary"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("case consultation")
        verbose_name_plural = _("case consultations")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["cell", "-starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="consultation_ends_after_start",
            )
        ]


class AgendaCase(Record):
    """A person on a meeting's agenda, shown under their handle. `carried_from` is the
    agenda entry of an earlier meeting whose open actions brought the person back."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="cases")
    person = models.ForeignKey(
        "cases.Person", on_delete=models.CASCADE, related_name="consultation_cases"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    presented_by = models.ForeignKey(
        "network.Organisation",
        verbose_name=_("presented by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = EncryptedTextField(_("summary of the discussion"), blank=True)
    decisions = EncryptedTextField(_("decisions"), blank=True)
    discussed = models.BooleanField(_("discussed"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("case on the agenda")
        verbose_name_plural = _("cases on the agenda")
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="person_once_per_agenda")
        ]


class Invitation(Record):
    """An occasional participant invited for one case only, with the reason. They see that
    case, and only after signing the confidentiality declaration of the meeting."""

    case = models.ForeignKey(AgendaCase, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        related_name="consultation_invitations",
    )
    reason = EncryptedTextField(_("reason for the invitation"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="one_invitation_per_case")
        ]


class Seat(models.TextChoices):
    MEMBER = "member", _("Member of the cell")
    INVITED = "invited", _("Invited for a case")


class Attendance(Record):
    """The register: who was expected, who was present, and when an occasional
    participant signed the confidentiality declaration."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultation_seats"
    )
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    seat = models.CharField(_("seat"), max_length=8, choices=Seat.choices)
    legal_role = models.CharField(_("legal role"), max_length=20, blank=True)
    present = models.BooleanField(_("present"), default=False)
    declaration_signed_at = models.DateTimeField(_("declaration signed at"), null=True, blank=True)
    declaration_version = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "seat", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_seat_per_meeting")
        ]


class CaseAction(Record):
    """Something the cell asked an organisation to do about a person, by a date. Open
    actions follow the person to the cell's next meeting."""

    case = models.ForeignKey(AgendaCase, on_delete=models.CASCADE, related_name="actions")
    person = models.ForeignKey(
        "cases.Person", on_delete=models.CASCADE, related_name="consultation_actions"
    )
    cell = models.ForeignKey("platforms.Platform", on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField(_("action"))
    owner = models.ForeignKey(
        "network.Organisation",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("deadline"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    follow_up = EncryptedTextField(_("follow-up"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["cell", "person", "done_on"])]


class ConsensusStatus(models.TextChoices):
    OPEN = "open", _("Being recorded")
    REACHED = "reached", _("Consensus reached")
    NOT_REACHED = "not_reached", _("No consensus")


class Consensus(Record):
    """The members present asked whether an information sheet on a discussed person may
    go to OCAM/CUTA. Reached only when every member present agreed."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.OneToOneField(AgendaCase, on_delete=models.CASCADE, related_name="consensus")
    purpose = EncryptedTextField(_("purpose of the information sheet"))
    status = models.CharField(
        _("status"), max_length=12, choices=ConsensusStatus.choices, default=ConsensusStatus.OPEN
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("consensus")
        verbose_name_plural = _("consensus records")


class Vote(Record):
    """One present member's answer, recorded by the chair, with the time."""

    consensus = models.ForeignKey(Consensus, on_delete=models.CASCADE, related_name="votes")
    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT, related_name="+")
    agrees = models.BooleanField(_("agrees"))
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["consensus", "attendance"], name="one_vote_each")
        ]


class InformationSheet(Record):
    """The sheet generated once consensus is reached: a frozen copy of what leaves the
    cell, the only export towards the security chain. Each download is audited."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consensus = models.OneToOneField(Consensus, on_delete=models.CASCADE, related_name="sheet")
    content = EncryptedTextField()
    generated_at = models.DateTimeField(default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("information sheet")
        verbose_name_plural = _("information sheets")


class Minutes(Record):
    """A meeting's minutes, apart from any person's file: readable by the cell's members
    only, approved as a step of the cell's next meeting."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    text = EncryptedTextField(_("minutes"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    approved_in = models.ForeignKey(
        Meeting,
        verbose_name=_("approved in the meeting of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approved_minutes",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None
