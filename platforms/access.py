"""Who sees and manages which platform.

- Everyone sees the public platforms with their member organisations (listed in the public
  directory); nobody's name, no meetings. An LIVC-R is never public.
- Members of a platform (signed-in users whose organisation has a current membership or
  coordinates it) and network coordinators see everything of the platform: the people
  holding its seats, its meetings, minutes, decisions and actions.
- A platform is managed (edited, members, meetings, minutes) by the network coordinators
  and by the plan or network coordinators of its coordinating organisation.

A platform outside the user's sight is a 404, and so are its meetings; a platform in sight
that the user may not manage is a 403 on the management pages.

A calendar feed token stands for its user: the feed shows the meetings that user sees,
while the account is active (and, if its role needs one, has a second factor).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.middleware import has_second_factor
from accounts.roles import requires_mfa
from network.access import can_coordinate_network, require, visible_organisations
from platforms.models import ActionItem, CalendarFeed, Meeting, Membership, Platform

__all__ = ["require"]

MANAGING_CAPABILITIES = ("plans.coordinate_plans", "network.coordinate_network")


def _member_platforms(user) -> Q:
    """Platforms the user's organisation sits in today, or coordinates."""
    current = Membership.objects.current().filter(organisation_id=user.organisation_id)
    return Q(pk__in=current.values("platform_id")) | Q(coordinator_id=user.organisation_id)


def inside_platforms(user) -> QuerySet[Platform]:
    """Platforms whose inside (people, meetings) the user sees."""
    if can_coordinate_network(user):
        return Platform.objects.all()
    if not user.is_authenticated or user.organisation_id is None:
        return Platform.objects.none()
    return Platform.objects.filter(_member_platforms(user))


def visible_platforms(user) -> QuerySet[Platform]:
    """Public platforms, and every platform the user sees inside."""
    if can_coordinate_network(user):
        return Platform.objects.all()
    if not user.is_authenticated or user.organisation_id is None:
        return Platform.objects.filter(is_public=True)
    return Platform.objects.filter(Q(is_public=True) | _member_platforms(user))


def get_platform_for_user(user, key: str) -> Platform:
    platform = visible_platforms(user).select_related("coordinator").filter(key=key).first()
    if platform is None:
        raise Http404
    return platform


def sees_inside(user, platform: Platform) -> bool:
    """Members of the platform and network coordinators."""
    if can_coordinate_network(user):
        return True
    if not user.is_authenticated or user.organisation_id is None:
        return False
    if platform.coordinator_id == user.organisation_id:
        return True
    return (
        Membership.objects.current()
        .filter(platform=platform, organisation_id=user.organisation_id)
        .exists()
    )


def visible_memberships(user, platform: Platform, *, inside: bool) -> QuerySet[Membership]:
    """Current memberships; outsiders see only organisations listed publicly (and the
    pages leave out who holds a seat)."""
    memberships = Membership.objects.current().filter(platform=platform)
    if inside:
        return memberships.select_related("organisation", "post__kind", "post__holder")
    return memberships.filter(organisation__in=visible_organisations(user)).select_related(
        "organisation"
    )


def visible_meetings(user) -> QuerySet[Meeting]:
    return Meeting.objects.filter(platform__in=inside_platforms(user))


def get_meeting_for_user(user, meeting_uuid) -> Meeting:
    meeting = (
        visible_meetings(user)
        .select_related("platform__coordinator")
        .filter(uuid=meeting_uuid)
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def get_membership_of_platform(platform: Platform, membership_id: int) -> Membership:
    """A membership (current or ended) of this platform; 404 for another platform's."""
    membership = (
        Membership.objects.filter(platform=platform, pk=membership_id)
        .select_related("organisation", "post__holder")
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def get_action_of_meeting(meeting: Meeting, action_id: int) -> ActionItem:
    """An action item of this meeting; 404 for another meeting's."""
    action = meeting.actions.select_related("owner").filter(pk=action_id).first()
    if action is None:
        raise Http404
    return action


def get_feed_user(token: str):
    """The user a calendar feed token stands for; 404 for an unknown token, an inactive
    account, or one whose role needs a second factor it lacks (as for API tokens)."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404
    if requires_mfa(feed.user) and not has_second_factor(feed.user):
        raise Http404
    return feed.user


def can_create_platform(user) -> bool:
    """Network coordinators, and plan coordinators (for their own organisation)."""
    return can_coordinate_network(user) or bool(
        user.is_authenticated and user.has_perm("plans.coordinate_plans")
    )


def can_manage_platform(user, platform: Platform) -> bool:
    """Network coordinators, and the coordinators of the platform's coordinating
    organisation."""
    if can_coordinate_network(user):
        return True
    if not user.is_authenticated:
        return False
    if user.organisation_id != platform.coordinator_id:
        return False
    return any(user.has_perm(capability) for capability in MANAGING_CAPABILITIES)
