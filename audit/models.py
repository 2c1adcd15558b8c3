"""The append-only audit trail of every important write, and of reads of sensitive records."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet):
    def for_target(self, obj) -> "AuditEventQuerySet":
        return self.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk))


class AuditEvent(models.Model):
    """One thing that happened: who, from which organisation, when, what, to which record.

    Holds no personal data about the target: only its type and id, the names of changed
    fields with old/new values for non-personal records, and the reason given. Rows are
    never updated or deleted (a PostgreSQL trigger enforces it; see the migration).
    Foreign keys carry no database constraint so that deleting a user never touches history.
    """

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("actor"), max_length=254, blank=True)
    organisation = models.ForeignKey(
        "network.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # One index serves both the exact lookups and the audit search's prefix filter
    # (Meta.indexes); Django's db_index would add a second, plain one on PostgreSQL.
    action = models.CharField(_("action"), max_length=80)
    target_type = models.CharField(_("target type"), max_length=80, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    # The person whose data the target holds (a cases.Person uuid), so that a person's
    # disclosure log is one indexed lookup; empty for records about no one.
    subject = models.CharField(_("person concerned"), max_length=64, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # not indexed: no query looks a request up, and every request writes rows here
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    via = models.CharField(_("channel"), max_length=10, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            # The columns a DPO's disclosure log filters on ride along (INCLUDE, PostgreSQL
            # only), so that counting a person's events reads the index alone.
            models.Index(
                fields=["subject", "-at"],
                name="audit_subject_idx",
                condition=~models.Q(subject=""),
                include=["organisation", "target_type", "target_id"],
            ),
            models.Index(
                fields=["action"], name="audit_action_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]
        permissions = [("view_audit_log", "Can search and export the audit log")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only.")
