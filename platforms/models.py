"""Platforms of the prevention network: who sits in them (organisations, and people through
their posts), their meetings outside case consultations, and what those meetings decide.

No personal data about persons of concern lives here: case consultations of the LIVC-R
are a separate matter.
"""

import datetime
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import i18n


class PlatformKind(models.TextChoices):
    REGIONAL = "regional", _("Regional platform")
    MUNICIPAL = "municipal", _("Municipal platform")
    LIVC_R = "livc_r", _("LIVC-R")
    OTHER = "other", _("Other")


class Platform(models.Model):
    """A standing body bringing key players together, e.g. the Flemish Platform on
    Radicalisation, a municipal platform or a local integral security cell (LIVC-R).
    An LIVC-R is never public."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    name = models.JSONField(_("name"), default=dict)
    kind = models.CharField(_("kind"), max_length=12, choices=PlatformKind.choices)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    # a platform set up by several municipalities together (e.g. a joint LIVC-R): the others
    joint_municipalities = models.JSONField(
        _("other municipalities served jointly"), default=list, blank=True
    )
    coordinator = models.ForeignKey(
        "network.Organisation",
        verbose_name=_("coordinating organisation"),
        on_delete=models.PROTECT,
        related_name="coordinated_platforms",
    )
    description = models.JSONField(_("description"), default=dict, blank=True)
    is_public = models.BooleanField(_("public"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="livc_r", is_public=True), name="livc_r_never_public"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return i18n.pick(self.name) or self.key

    @property
    def municipalities(self) -> list[str]:
        """The platform's municipality, then those it serves jointly with it."""
        names = [self.municipality] if self.municipality else []
        return names + [name for name in self.joint_municipalities or [] if name]

    @property
    def is_joint(self) -> bool:
        return len(self.municipalities) > 1


class MembershipRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    SECRETARY = "secretary", _("Secretary")
    MEMBER = "member", _("Member")
    INVITED = "invited", _("Invited")
    OBSERVER = "observer", _("Observer")


ROLE_ORDER = [role.value for role in MembershipRole]


class MembershipQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> "MembershipQuerySet":
        """Memberships running on `on` (today by default)."""
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class Membership(models.Model):
    """An organisation sitting in a platform with a role, from a date until a date; with a
    post when the seat is a person's (e.g. the LIVC-R members named by law)."""

    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        "network.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="platform_memberships",
    )
    post = models.ForeignKey(
        "network.Post",
        verbose_name=_("seat held through the post"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="platform_memberships",
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["platform", "starts_on", "id"]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", pgettext_lazy("meeting status", "Cancelled")


class Meeting(models.Model):
    """A meeting of a platform, not about any case: agenda, minutes, decisions, actions."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.CASCADE, related_name="meetings"
    )
    title = models.JSONField(_("title"), default=dict)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_approved_at = models.DateTimeField(_("minutes approved at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return i18n.pick(self.title) or str(self.platform)

    def is_open_for_changes(self) -> bool:
        """Title, time, place and agenda change only before the meeting; afterwards the
        minutes, decisions and actions record what happened."""
        return self.status == MeetingStatus.PLANNED and self.starts_at > timezone.now()


class AgendaItem(models.Model):
    """One point of a meeting's agenda, in order."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    """What a meeting decided, in its own words."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class ActionItemQuerySet(models.QuerySet):
    def open(self) -> "ActionItemQuerySet":
        return self.filter(done_on__isnull=True)


class ActionItem(models.Model):
    """Something a meeting asked one organisation to do, by a date."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        "network.Organisation",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="platform_actions",
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """A user's secret address for a calendar app to subscribe to the meetings of their
    platforms without a session. The token is stored as is, not hashed, so that its owner
    can see the address again; it opens only meeting titles, times, places and agendas the
    database holds anyway. A new token replaces the old one, whose address stops working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="platform_calendar_feed",
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"

    @staticmethod
    def generate_token() -> str:
        return secrets.token_urlsafe(32)
