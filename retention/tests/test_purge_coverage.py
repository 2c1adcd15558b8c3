"""No table about a person or a case file is forgotten by the retention job."""

from __future__ import annotations

import datetime
from unittest import mock

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from cases.models import CaseFile, Person
from retention import purge, services
from retention.models import ReviewItem
from retention.tests.base import RetentionPersonas


def foreign_keys_to(target: type[models.Model]) -> set[tuple[str, str]]:
    """Every (table, column) of every installed model holding a key of `target`, found from
    the forward side (many-to-many tables included)."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is target:
                found.add((model._meta.label_lower, field.name))
    return found


class CoverageTest(RetentionPersonas):
    def test_every_table_pointing_at_a_person_or_a_file_is_decided(self):
        for target in (Person, CaseFile):
            label = target._meta.label_lower
            with self.subTest(target=label):
                undecided = foreign_keys_to(target) - set(purge.DIRECT[label])
                self.assertEqual(undecided, set(), "Say in retention.purge.DIRECT what to do")

    def test_every_relation_the_job_follows_is_decided(self):
        self.assertEqual(purge.unhandled_relations(), [])

    def test_the_plan_reaches_the_tables_below_the_file(self):
        tables = {step.model._meta.label_lower for step in purge.plan(CaseFile)}
        for table in (
            "cases.goal",
            "cases.conditioncheck",
            "cases.contribution_recipients",
            "cases.attachment",
            "cases.referral",
        ):
            self.assertIn(table, tables)
        person_tables = {step.model._meta.label_lower for step in purge.plan(Person)}
        for table in ("consultations.vote", "consultations.informationsheet"):
            self.assertIn(table, person_tables)

    def test_an_undecided_table_stops_the_job_before_it_touches_anything(self):
        self.closed_file("Undecided Udo", datetime.date(2010, 1, 1))
        decided = dict(purge.DIRECT["cases.casefile"])
        del decided[("cases.journalentry", "file")]
        with mock.patch.dict(purge.DIRECT, {"cases.casefile": decided}):
            self.assertEqual(
                purge.unhandled_relations(), ["cases.journalentry.file -> cases.casefile"]
            )
            with self.assertRaises(ImproperlyConfigured):
                services.run_retention()
            with self.assertRaises(ImproperlyConfigured):
                purge.plan(CaseFile)
        self.assertFalse(ReviewItem.objects.exists())

    def test_below_the_records_on_delete_is_followed_and_protect_stops(self):
        from cases.models import GuidancePlan

        rel = mock.Mock()
        rel.related_model = ReviewItem
        rel.field.name = "plan"
        for on_delete, expected in ((models.CASCADE, purge.DELETE), (models.SET_NULL, purge.NULL)):
            rel.on_delete = on_delete
            self.assertEqual(purge.how_handled(GuidancePlan, rel), expected)
        rel.on_delete = models.PROTECT
        with self.assertRaises(ImproperlyConfigured):
            purge.how_handled(GuidancePlan, rel)
