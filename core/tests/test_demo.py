"""The demo command: idempotent, and the database then holds the shipped plan exactly."""

import json
from decimal import Decimal
from pathlib import Path

from django.core.management import call_command
from django.test import TestCase

from accounts.models import User
from audit.models import AuditEvent
from plans.models import BudgetLine, ItemKind, MeasureActor, Plan, PlanItem

SHIPPED = json.loads(
    (Path(__file__).resolve().parents[2] / "plans" / "demo" / "flemish_action_plan.json").read_text(
        encoding="utf-8"
    )
)


def load_demo():
    with open("/dev/null", "w") as quiet:
        call_command("demo", stdout=quiet)


class NoDefaultAccountsTest(TestCase):
    def test_it_has_no_account_after_migrate(self):
        self.assertEqual(User.objects.count(), 0)


class DemoTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo()

    def test_it_loads_every_measure_of_the_shipped_plan(self):
        plan = Plan.objects.get(slug="flanders-2017")
        shipped = {
            m["code"]: m
            for line in SHIPPED["lines"]
            for action in line["actions"]
            for m in action["measures"]
        }
        measures = {m.code: m for m in plan.items.filter(kind=ItemKind.MEASURE)}
        self.assertEqual(set(measures), set(shipped))
        for code, data in shipped.items():
            item = measures[code]
            self.assertEqual(item.measure_type, data["type"], code)
            self.assertEqual(item.budget_text, data["budget_text"], code)
            actors = list(
                MeasureActor.objects.filter(item=item).values_list("organisation__key", "role")
            )
            self.assertEqual(actors, [(a["org"], a["role"]) for a in data["actors"]], code)
            ministers = list(item.measureminister_set.values_list("minister__key", flat=True))
            self.assertEqual(ministers, data["ministers"], code)
            amounts = [line.amount for line in BudgetLine.objects.filter(item=item)]
            self.assertEqual(
                amounts,
                [
                    None if b["amount"] is None else Decimal(b["amount"])
                    for b in data["budget_lines"]
                ],
                code,
            )

    def test_it_keeps_the_facts_of_the_document(self):
        beneficiaries = set(
            MeasureActor.objects.filter(item__code="4.1", role="beneficiary").values_list(
                "organisation__key", flat=True
            )
        )
        self.assertEqual(len(beneficiaries), 9)
        self.assertEqual(BudgetLine.objects.get(item__code="5.8").amount, Decimal("546000"))
        amounts = sorted(
            BudgetLine.objects.filter(item__code="8.1", amount__isnull=False).values_list(
                "amount", flat=True
            )
        )
        self.assertEqual(amounts, [Decimal("75000"), Decimal("200000")])

    def test_it_changes_nothing_when_run_again(self):
        events, items = AuditEvent.objects.count(), PlanItem.objects.count()
        users = User.objects.count()
        load_demo()
        self.assertEqual(
            (AuditEvent.objects.count(), PlanItem.objects.count(), User.objects.count()),
            (events, items, users),
        )

    def test_it_creates_one_user_per_role(self):
        from accounts.roles import Role

        for role in Role:
            self.assertTrue(User.objects.filter(groups__name=role).exists(), role)
