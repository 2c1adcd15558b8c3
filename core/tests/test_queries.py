from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.queries import unique_or_none
from core.testing import Personas
from plans.models import Plan


class UniqueOrNoneTest(Personas):
    def test_it_finds_the_row_without_ordering_the_query(self):
        plans = Plan.objects.select_related("owner").filter(slug="plan-a")
        with CaptureQueriesContext(connection) as queries:
            plan = unique_or_none(plans)
        self.assertEqual(plan, self.plan)
        self.assertEqual(plan.owner, self.org_a)  # the select_related is kept
        self.assertEqual(len(queries), 1)
        self.assertNotIn("ORDER BY", queries[0]["sql"])

    def test_it_answers_none_when_nothing_matches(self):
        self.assertIsNone(unique_or_none(Plan.objects.filter(slug="no-such-plan")))
