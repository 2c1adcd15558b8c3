"""Who sees the statistics and who configures the feeds to plan indicators.

The figures are anonymised (figures/tables.py: small counts hidden, consistently across
every view), so the roles that may see them see every municipality: coordinators of plans
or of the network (municipal coordinators included) and data protection officers. Nobody
else, the administrator included (capabilities come from roles, not from being a
superuser: accounts.roles.has_capability).

Feeds are listed to the same people; only the coordinators of an indicator's plan create,
change, run or delete its feed (plans.access.can_coordinate_plan).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts.roles import has_capability
from cases.access import is_dpo
from figures.models import IndicatorFeed
from plans.access import can_coordinate_plan
from plans.models import Indicator


def can_view_figures(user) -> bool:
    """Coordinators (of plans or of the network) and data protection officers."""
    if not getattr(user, "is_authenticated", False):
        return False
    if has_capability(user, "plans.coordinate_plans"):
        return True
    if has_capability(user, "network.coordinate_network"):
        return True
    return is_dpo(user)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def visible_feeds(user) -> QuerySet[IndicatorFeed]:
    """Every feed for those who see the figures; none for the others."""
    if not can_view_figures(user):
        return IndicatorFeed.objects.none()
    return IndicatorFeed.objects.select_related("indicator__item__plan")


def get_feed_for_user(user, feed_id: int) -> IndicatorFeed:
    """The feed, or 404 (403 first for those who may not see the figures at all)."""
    require(can_view_figures(user))
    feed = visible_feeds(user).filter(pk=feed_id).first()
    if feed is None:
        raise Http404
    return feed


def can_create_feed(user) -> bool:
    """Plan coordinators who see the figures."""
    if not can_view_figures(user):
        return False
    return bool(user.has_perm("plans.coordinate_plans"))


def can_manage_feed(user, feed: IndicatorFeed) -> bool:
    """The coordinators of the indicator's plan."""
    if not can_view_figures(user):
        return False
    return can_coordinate_plan(user, feed.indicator.item.plan)


def feedable_indicators(user) -> QuerySet[Indicator]:
    """The indicators of the plans the user coordinates (their organisation's plans)."""
    if not can_create_feed(user):
        return Indicator.objects.none()
    return Indicator.objects.filter(item__plan__owner_id=user.organisation_id).select_related(
        "item__plan"
    )


def can_feed_indicator(user, indicator: Indicator) -> bool:
    return can_create_feed(user) and can_coordinate_plan(user, indicator.item.plan)
