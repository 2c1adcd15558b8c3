"""Feeding plan indicators from the statistics: configured by the plan's coordinators,
written per year, never a hidden value, never over a value a reporting round published."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditEvent
from figures import services
from figures.demo import load_feeds
from figures.models import FeedStatus, IndicatorFeed
from figures.tests.base import FigurePersonas, make_referrals, minor_born
from plans.models import Indicator, IndicatorValue

DAY = datetime.date(2026, 3, 2)


class FeedTest(FigurePersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_referrals(cls.org_a, cls.officer, 6, datetime.date(2024, 5, 5))  # hidden too
        make_referrals(cls.org_a, cls.officer, 12, datetime.date(2025, 5, 5))
        make_referrals(cls.org_a, cls.officer, 3, DAY)  # 2026: 3, hidden
        cls.indicator = Indicator.objects.create(item=cls.measure, name={"en": "Referrals"})

    def setUp(self):
        super().setUp()
        self.login(self.coordinator)

    def feed(self, **series) -> IndicatorFeed:
        return services.create_feed(
            {"indicator": self.indicator, "figure": "referrals", **series},
            acting_user=self.coordinator,
        )

    def test_a_coordinator_feeds_an_indicator_of_their_plan_from_the_page(self):
        response = self.client.post(
            reverse("figures:feed_create"),
            {
                "indicator": self.indicator.pk,
                "series": "referrals:status:received",
                "municipality": "Namur",
            },
        )
        feed = IndicatorFeed.objects.get()
        self.assertRedirects(response, reverse("figures:feed", args=[feed.pk]))
        self.assertEqual(
            (feed.figure, feed.breakdown, feed.category, feed.municipality),
            ("referrals", "status", "received", "Namur"),
        )
        event = AuditEvent.objects.get(action="figures.feed.created")
        self.assertEqual((event.actor, event.target_id), (self.coordinator, str(feed.pk)))

    def test_a_misspelt_municipality_is_refused_with_a_reason(self):
        """Fed from "Namr", the indicator would get zeros: nothing counts there."""
        with self.assertRaises(ValidationError) as caught:
            self.feed(municipality="Namr")
        self.assertEqual(
            caught.exception.message_dict["municipality"],
            [
                "The statistics know no municipality “Namr”: check the spelling, or leave "
                "it empty for all municipalities."
            ],
        )
        response = self.client.post(
            reverse("figures:feed_create"),
            {"indicator": self.indicator.pk, "series": "referrals", "municipality": "Namr"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("municipality", response.context["form"].errors)
        api = self.client.post(
            reverse("api:list_indicator_feeds"),
            json.dumps(
                {"indicator": self.indicator.pk, "figure": "referrals", "municipality": "Namr"}
            ),
            content_type="application/json",
        )
        self.assertEqual(api.status_code, 400)
        self.assertFalse(IndicatorFeed.objects.exists())
        feed = self.feed(municipality="Namur")
        with self.assertRaises(ValidationError):
            services.update_feed(
                feed,
                {"figure": "referrals", "municipality": "Liege-sur-Meuse"},
                acting_user=self.coordinator,
            )

    def test_a_municipality_is_kept_as_the_directory_spells_it(self):
        feed = self.feed(municipality=" namur ")
        self.assertEqual(feed.municipality, "Namur")
        report = services.run_feed(feed)
        self.assertEqual(report["2025"], {"status": "written", "value": 12})

    def test_a_feed_whose_municipality_is_no_longer_named_writes_nothing(self):
        feed = IndicatorFeed.objects.create(  # written before the check, or since renamed
            indicator=self.indicator,
            figure="referrals",
            municipality="Namr",
            created_by=self.coordinator,
        )
        self.assertEqual(services.run_feed(feed), {})
        self.assertFalse(self.indicator.values.exists())
        feed.refresh_from_db()
        self.assertIsNotNone(feed.last_run_at)
        IndicatorFeed.objects.filter(pk=feed.pk).update(municipality="NAMUR")  # a spelling
        feed.refresh_from_db()
        self.assertEqual(services.run_feed(feed)["2025"], {"status": "written", "value": 12})

    def test_the_form_offers_only_the_indicators_of_ones_own_plans(self):
        self.login(self.coordinator_b)
        response = self.client.post(
            reverse("figures:feed_create"), {"indicator": self.indicator.pk, "series": "referrals"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(IndicatorFeed.objects.exists())
        self.assertIn("indicator", response.context["form"].errors)

    def test_a_run_writes_each_year_shown_and_skips_the_hidden_ones(self):
        feed = self.feed()
        report = services.run_feed(feed, acting_user=self.coordinator)
        self.assertEqual(
            report,
            {
                "2024": {"status": "hidden"},  # or 15 - 12 - 6 would give 2026's 3
                "2025": {"status": "written", "value": 12},
                "2026": {"status": "hidden"},
            },
        )
        values = {v.period: v.value for v in self.indicator.values.all()}
        self.assertEqual(values, {"2025": Decimal(12)})
        response = self.client.get(reverse("figures:feed", args=[feed.pk]))
        self.assertContains(response, FeedStatus.HIDDEN.label)
        event = AuditEvent.objects.filter(action="figures.feed.run").latest("id")
        self.assertEqual(event.changes["report"][1], report)

    def test_the_values_written_appear_on_the_measure(self):
        services.run_feed(self.feed(), acting_user=self.coordinator)
        response = self.client.get(reverse("plans:measure", args=[self.plan.slug, "1.1"]))
        self.assertContains(response, "2025: 12")

    def test_a_value_hidden_since_the_last_run_is_taken_back(self):
        feed = self.feed()
        services.run_feed(feed)
        make_referrals(self.org_a, self.officer, 1, datetime.date(2025, 6, 1), born=minor_born(DAY))
        make_referrals(self.org_a, self.officer, 1, datetime.date(2025, 6, 1), municipality="Liège")
        # 2025: 14 now, with 1 in Liège: shown; the breakdown by Liège hides it
        feed.municipality = "Liège"
        feed.save()
        report = services.run_feed(feed)
        self.assertEqual(report["2025"], {"status": "hidden"})
        self.assertFalse(self.indicator.values.filter(period="2025").exists())

    def test_a_value_a_reporting_round_published_is_left_alone(self):
        from plans.models import ProgressUpdate, ReportingRound

        rnd = ReportingRound.objects.create(plan=self.plan, name="R", period="2025", deadline=DAY)
        update = ProgressUpdate.objects.create(round=rnd, item=self.measure)
        IndicatorValue.objects.create(
            indicator=self.indicator, period="2025", value=Decimal(40), update=update
        )
        report = services.run_feed(self.feed())
        self.assertEqual(report["2025"], {"status": "reported"})
        self.assertEqual(self.indicator.values.get(period="2025").value, Decimal(40))

    def test_a_breakdown_value_is_fed_alone(self):
        make_referrals(self.org_a, self.officer, 6, datetime.date(2025, 8, 8), status="accepted")
        report = services.run_feed(self.feed(breakdown="status", category="accepted"))
        self.assertEqual(report["2025"], {"status": "written", "value": 6})

    def test_the_command_runs_every_feed(self):
        feed = self.feed()
        call_command("feed_indicators", "--now", stdout=open("/dev/null", "w"))  # noqa: SIM115
        feed.refresh_from_db()
        self.assertIsNotNone(feed.last_run_at)
        call_command("feed_indicators", stdout=open("/dev/null", "w"))  # noqa: SIM115
        self.assertEqual(self.indicator.values.get(period="2025").value, Decimal(12))

    def test_only_the_plans_coordinators_change_run_or_delete_a_feed(self):
        feed = self.feed()
        self.login(self.coordinator_b)
        for name in ("figures:feed_run", "figures:feed_delete"):
            self.assertEqual(self.client.post(reverse(name, args=[feed.pk])).status_code, 403)
        self.login(self.coordinator)
        response = self.client.post(
            reverse("figures:feed_edit", args=[feed.pk]),
            {"series": "referrals:age_band:minor", "municipality": ""},
        )
        self.assertRedirects(response, reverse("figures:feed", args=[feed.pk]))
        feed.refresh_from_db()
        self.assertEqual(feed.series, "referrals:age_band:minor")
        self.assertTrue(AuditEvent.objects.filter(action="figures.feed.updated").exists())
        self.client.post(reverse("figures:feed_delete", args=[feed.pk]))
        self.assertFalse(IndicatorFeed.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(action="figures.feed.deleted").exists())

    def test_the_api_creates_changes_and_runs_feeds(self):
        url = reverse("api:list_indicator_feeds")
        body = {"indicator": self.indicator.pk, "figure": "referrals", "breakdown": "source"}
        response = self.client.post(url, json.dumps(body), content_type="application/json")
        self.assertEqual(response.status_code, 400)  # a breakdown needs its value
        body["category"] = "professional"
        response = self.client.post(url, json.dumps(body), content_type="application/json")
        self.assertEqual(response.status_code, 201, response.content)
        feed_id = response.json()["id"]
        self.assertEqual(response.json()["measure"], "1.1")
        again = self.client.post(url, json.dumps(body), content_type="application/json")
        self.assertEqual(again.status_code, 400)  # fed already
        run = self.client.post(reverse("api:run_indicator_feed", args=[feed_id]))
        self.assertEqual(run.json()["report"]["2025"], {"status": "written", "value": 12})
        listed = self.client.get(url).json()
        self.assertEqual([f["id"] for f in listed], [feed_id])

    def test_the_demo_feeds_measure_6_1(self):
        from accounts.models import User
        from accounts.roles import Role
        from core.testing import make_user
        from plans.models import Plan, PlanStatus

        plan = Plan.objects.create(
            slug="flanders-2017",
            owner=self.org_a,
            title={"en": "Flanders"},
            period_start=2017,
            period_end=2019,
            status=PlanStatus.ADOPTED,
        )
        from core.testing import make_item

        make_item(plan, "6.1", "measure", None, 1, measure_type="V")
        make_user("coordinator@demo.synergie.test", self.org_a, Role.PLAN_COORDINATOR)
        load_feeds()
        load_feeds()  # idempotent
        feeds = IndicatorFeed.objects.filter(indicator__item__code="6.1")
        self.assertEqual(feeds.count(), 2)
        self.assertTrue(all(f.last_run_at for f in feeds))
        self.assertTrue(User.objects.filter(email="coordinator@demo.synergie.test").exists())


class FeedListTest(FigurePersonas):
    def test_its_queries_do_not_grow_with_the_feeds(self):
        self.login(self.dpo)
        url = reverse("figures:feeds")

        def add_feed(position: int) -> None:
            indicator = Indicator.objects.create(
                item=self.measure, position=position, name={"en": f"I{position}"}
            )
            services.create_feed(
                {"indicator": indicator, "figure": "files"}, acting_user=self.coordinator
            )

        add_feed(0)
        self.client.get(url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as one:
            self.client.get(url)
        for position in range(1, 6):
            add_feed(position)
        with self.assertNumQueries(len(one.captured_queries)):
            response = self.client.get(url)
        self.assertEqual(len(response.context["feeds"]), 6)
        self.assertContains(response, "Case files opened: total")
