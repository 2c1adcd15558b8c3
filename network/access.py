"""Who sees and edits what in the directory.

The public sees organisations and services marked public (and active services only);
signed-in professionals see every entry. Editing needs the capability
network.edit_directory and membership of the organisation (superusers edit everything).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from network.models import Organisation, Service, ServiceStatus


def visible_organisations(user):
    if user.is_authenticated:
        return Organisation.objects.all()
    return Organisation.objects.filter(is_public=True)


def visible_services(user):
    if user.is_authenticated:
        return Service.objects.all()
    return Service.objects.filter(
        is_public=True, status=ServiceStatus.ACTIVE, organisation__is_public=True
    )


def get_organisation_for_user(user, key: str) -> Organisation:
    org = (
        visible_organisations(user).select_related("parent", "verified_by").filter(key=key).first()
    )
    if org is None:
        raise Http404
    return org


def get_service_for_user(user, service_uuid) -> Service:
    service = (
        visible_services(user)
        .select_related("organisation", "verified_by")
        .filter(uuid=service_uuid)
        .first()
    )
    if service is None:
        raise Http404
    return service


def visible_parent(user, org: Organisation) -> Organisation | None:
    """The parent organisation, if the user may see it (the public: when it is listed)."""
    parent = org.parent
    if parent is None or (not user.is_authenticated and not parent.is_public):
        return None
    return parent


def can_edit_organisation(user, org: Organisation) -> bool:
    """Editors of the organisation itself."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.has_perm("network.edit_directory") and user.organisation_id == org.pk


def can_edit_service(user, service: Service) -> bool:
    return can_edit_organisation(user, service.organisation)


def require(allowed: bool) -> None:
    """403 for a visible entry the user may not change."""
    if not allowed:
        raise PermissionDenied
