"""Who may read the audit trail: data protection officers, for their own organisation."""

from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent, AuditEventQuerySet


def can_view_audit_log(user) -> bool:
    """A DPO (capability audit.view_audit_log) of an organisation."""
    return bool(user.is_authenticated and user.has_perm("audit.view_audit_log"))


def visible_events(user) -> AuditEventQuerySet:
    """Events caused by members of the user's organisation; raises 403 without the capability."""
    if not can_view_audit_log(user):
        raise PermissionDenied
    return AuditEvent.objects.filter(organisation_id=user.organisation_id)
