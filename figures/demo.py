"""Demo feeds: measure 6.1 of the Flemish action plan ("Supporting disengagement programmes
and LIVCs") gets two indicators fed from the statistics, run once.

- "Case files opened with a guidance plan" from the case files with an approved guidance
  plan: with the demo's handful of files, every year is hidden, and the feed's page says why;
- "LIVC-R case consultations held" from the meetings held, which are about no one and are
  written as they are.

Idempotent; called by the demo command after the plan, the users and the cases exist.
"""

from __future__ import annotations

from accounts.models import User
from figures import services
from figures.models import IndicatorFeed
from plans import services as plan_services
from plans.models import Indicator, PlanItem

PLAN = "flanders-2017"
MEASURE = "6.1"
COORDINATOR = "coordinator@demo.synergie.test"
FEEDS = [
    (
        {
            "nl": "Geopende dossiers met een begeleidingsplan (Synergie)",
            "fr": "Dossiers ouverts avec un plan d'accompagnement (Synergie)",
            "de": "Eröffnete Akten mit einem Begleitplan (Synergie)",
            "en": "Case files opened with a guidance plan (Synergie)",
        },
        {"figure": "files", "breakdown": "plan", "category": "with_plan"},
    ),
    (
        {
            "nl": "Gehouden casusoverleggen van de LIVC-R's (Synergie)",
            "fr": "Concertations de cas des CSIL-R tenues (Synergie)",
            "de": "Abgehaltene Fallbesprechungen der LIVC-R (Synergie)",
            "en": "LIVC-R case consultations held (Synergie)",
        },
        {"figure": "meetings", "breakdown": "status", "category": "held"},
    ),
]


def load_feeds() -> None:
    item = PlanItem.objects.filter(plan__slug=PLAN, code=MEASURE).first()
    coordinator = User.objects.filter(email=COORDINATOR).first()
    if item is None or coordinator is None:
        return
    for name, series in FEEDS:
        indicator = Indicator.objects.filter(item=item, name__en=name["en"]).first()
        if indicator is None:
            indicator = plan_services.save_indicator(item, {"name": name}, acting_user=coordinator)
        if IndicatorFeed.objects.filter(indicator=indicator).exists():
            continue  # a second run changes nothing; the nightly task keeps values fresh
        feed = services.create_feed({"indicator": indicator, **series}, acting_user=coordinator)
        services.run_feed(feed, acting_user=coordinator)
