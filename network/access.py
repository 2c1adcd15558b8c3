"""Who sees and edits what in the directory.

The public sees organisations, services and posts marked public (and active services only);
signed-in professionals see every entry. Editing needs the capability
network.edit_directory and membership of the organisation (superusers edit everything).
Network coordinators (network.coordinate_network) also appoint people to posts in any
organisation, and they alone read the coverage rules and gaps; a rule is changed by the
coordinators of the organisation that owns it. Security clearances are shown only to those
who may manage the post.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.queries import unique_or_none
from network.models import (
    CoverageGap,
    CoverageRule,
    Organisation,
    Post,
    Protocol,
    Review,
    Service,
    ServiceStatus,
    Signatory,
)


def audience(user) -> str:
    """Who the directory's lists are for: "public" or "members". The visible_* querysets of
    organisations, services and posts depend on the user through this alone (and the
    coverage rules and gaps are the same for every network coordinator), so a render of
    them can be shared by everyone of one audience (network/cache.py)."""
    return "members" if user.is_authenticated else "public"


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
    org = unique_or_none(
        visible_organisations(user).select_related("parent", "verified_by").filter(key=key)
    )
    if org is None:
        raise Http404
    return org


def get_service_for_user(user, service_uuid) -> Service:
    service = unique_or_none(
        visible_services(user)
        .select_related("organisation", "verified_by")
        .filter(uuid=service_uuid)
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


def can_coordinate_network(user) -> bool:
    """Network coordinators: coverage rules, appointments in any organisation, imports."""
    return bool(
        user.is_authenticated and (user.is_superuser or user.has_perm("network.coordinate_network"))
    )


def can_edit_service(user, service: Service) -> bool:
    return can_edit_organisation(user, service.organisation)


def require(allowed: bool) -> None:
    """403 for a visible entry the user may not change."""
    if not allowed:
        raise PermissionDenied


def visible_posts(user):
    if user.is_authenticated:
        return Post.objects.all()
    return Post.objects.filter(is_public=True, organisation__is_public=True)


def get_post_for_user(user, post_uuid) -> Post:
    post = unique_or_none(
        visible_posts(user)
        .select_related("organisation", "kind", "holder", "verified_by")
        .filter(uuid=post_uuid)
    )
    if post is None:
        raise Http404
    return post


def can_manage_posts(user, org: Organisation) -> bool:
    """Create posts, appoint and relieve holders: the organisation's editors and the
    network coordinators."""
    return can_edit_organisation(user, org) or can_coordinate_network(user)


def can_see_clearance(user, post: Post) -> bool:
    return can_manage_posts(user, post.organisation)


def visible_rules(user):
    """Coverage rules for network coordinators; everyone else is refused (403) first."""
    require(can_coordinate_network(user))
    return CoverageRule.objects.all()


def get_rule_for_user(user, rule_id: int) -> CoverageRule:
    rule = visible_rules(user).select_related("kind", "owner").filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    return rule


def can_edit_rule(user, rule: CoverageRule) -> bool:
    return can_coordinate_network(user) and (
        user.is_superuser or user.organisation_id == rule.owner_id
    )


def visible_gaps(user):
    return CoverageGap.objects.filter(rule__in=visible_rules(user))


# Protocols of cooperation: public texts, signatories and commitments; the yearly reviews are
# for signed-in professionals. The coordinating organisation's network coordinators manage the
# protocol; each partner's editors write its commitments and reviews.


def visible_protocols(user):
    return Protocol.objects.all()


def get_protocol_for_user(user, key: str) -> Protocol:
    protocol = visible_protocols(user).select_related("coordinator").filter(key=key).first()
    if protocol is None:
        raise Http404
    return protocol


def can_see_reviews(user) -> bool:
    return bool(user.is_authenticated)


def can_manage_protocol(user, protocol: Protocol) -> bool:
    return can_coordinate_network(user) and (
        user.is_superuser or user.organisation_id == protocol.coordinator_id
    )


def get_signatory_for_user(user, protocol: Protocol, **lookup) -> Signatory:
    """A signatory of the protocol, by pk or by organisation__key."""
    signatory = protocol.signatories.select_related("organisation").filter(**lookup).first()
    if signatory is None:
        raise Http404
    return signatory


def visible_reviews(user, protocol: Protocol):
    """The yearly reviews of the protocol, for signed-in professionals only."""
    if not can_see_reviews(user):
        return Review.objects.none()
    return Review.objects.filter(signatory__protocol=protocol)


def can_write_for_signatory(user, signatory: Signatory) -> bool:
    return can_edit_organisation(user, signatory.organisation) or can_manage_protocol(
        user, signatory.protocol
    )
