"""The access matrix of the module: every URL name (pages and API) x persona.

Personas (figures/tests/base.py): A = anonymous, R = a user without role, C = a contact
point, RO = a referral officer, CO = the plan coordinator of agency A (whose plan has the
indicators), CB = the plan coordinator of agency B, MC = a municipal coordinator of agency
A, D = the DPO. The figures are for coordinators and DPOs; feeds are changed by the
coordinators of the indicator's plan only.
"""

import datetime
import json

from django.db import transaction
from django.urls import reverse

from audit.models import AuditEvent
from core.tests.test_url_matrix import url_names
from figures import services
from figures.tests.base import FigurePersonas, make_referrals
from plans.models import Indicator

A, R, C, RO, CO, CB, MC, D = (
    "anonymous",
    "reader",
    "contact",
    "officer",
    "coordinator",
    "coordinator_b",
    "municipal",
    "dpo",
)
LOGIN = 302
FIGURES_READERS = {A: LOGIN, R: 403, C: 403, RO: 403, CO: 200, CB: 200, MC: 200, D: 200}
API_READERS = {A: 401, R: 403, C: 403, RO: 403, CO: 200, CB: 200, MC: 200, D: 200}

# name: (kwargs key, method, {persona: status})
MATRIX = {
    "figures:index": ("", "get", FIGURES_READERS),
    "figures:export": ("csv", "get", FIGURES_READERS),
    "figures:feeds": ("", "get", FIGURES_READERS),
    "figures:feed_create": (
        "",
        "get",
        {A: LOGIN, R: 403, C: 403, RO: 403, CO: 200, CB: 200, MC: 200, D: 403},
    ),
    "figures:feed": ("feed", "get", {A: LOGIN, R: 403, RO: 403, CO: 200, CB: 200, D: 200}),
    "figures:feed_edit": ("feed", "get", {A: LOGIN, R: 403, CO: 200, CB: 403, MC: 200, D: 403}),
    "figures:feed_delete": ("feed", "post", {A: LOGIN, R: 403, CO: 302, CB: 403, D: 403}),
    "figures:feed_run": ("feed", "post", {A: LOGIN, R: 403, CO: 302, CB: 403, MC: 302, D: 403}),
    "api:get_statistics_table": ("", "get", API_READERS),
    "api:export_statistics_table": ("", "get", API_READERS),
    "api:list_statistics_figures": ("", "get", API_READERS),
    "api:list_indicator_feeds": ("", "get", {A: 401, R: 403, RO: 403, CO: 200, D: 200}),
    "api:create_indicator_feed": (
        "",
        "post",
        {A: 401, R: 403, C: 403, RO: 403, CO: 201, CB: 403, MC: 201, D: 403},
    ),
    "api:get_indicator_feed": ("feed", "get", {A: 401, R: 403, CO: 200, CB: 200, D: 200}),
    "api:put_indicator_feed": ("feed", "put", {A: 401, R: 403, CO: 200, CB: 403, D: 403}),
    "api:delete_indicator_feed": ("feed", "delete", {A: 401, R: 403, CO: 204, CB: 403, D: 403}),
    "api:run_indicator_feed": ("feed", "post", {A: 401, R: 403, CO: 200, CB: 403, D: 403}),
}

BODIES = {
    "api:create_indicator_feed": {"indicator": "INDICATOR", "figure": "files"},
    "api:put_indicator_feed": {
        "figure": "files",
        "breakdown": "plan",
        "category": "with_plan",
    },
}
# the reads of figures, and the action of their audit row
AUDITED = {
    "figures:index": "figures.viewed",
    "figures:export": "figures.exported",
    "api:get_statistics_table": "figures.viewed",
    "api:export_statistics_table": "figures.exported",
}


def api_operations() -> dict[str, set[str]]:
    """Each operation's name -> the names of the operations sharing its path (one of them
    is the URL's name)."""
    from figures.api import router

    names = {}
    for path_view in router.path_operations.values():
        siblings = {f"api:{op.view_func.__name__}" for op in path_view.operations}
        for name in siblings:
            names[name] = siblings
    return names


class FiguresMatrix(FigurePersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_referrals(cls.org_a, cls.officer, 6, datetime.date(2026, 3, 2))
        cls.indicator = Indicator.objects.create(item=cls.measure, name={"en": "Files"})
        cls.free_indicator = Indicator.objects.create(
            item=cls.measure, position=1, name={"en": "Referrals"}
        )
        cls.feed = services.create_feed(
            {"indicator": cls.indicator, "figure": "referrals"}, acting_user=cls.coordinator
        )

    def persona(self, name):
        return {
            A: None,
            R: self.reader,
            C: self.contact_a,
            RO: self.officer,
            CO: self.coordinator,
            CB: self.coordinator_b,
            MC: self.municipal,
            D: self.dpo,
        }[name]

    def url(self, name, key):
        kwargs = {
            "": {},
            "csv": {"fmt": "csv"},
            "feed": {"feed_id": self.feed.pk},
        }[key]
        if name.startswith("api:"):
            url_name = (api_operations()[name] & url_names()).pop()
            return reverse(url_name, kwargs=kwargs)
        return reverse(name, kwargs=kwargs)

    def request(self, name, key, method, persona):
        self.client.logout()
        user = self.persona(persona)
        if user is not None:
            self.login(user)
        url = self.url(name, key)
        if name in BODIES:
            body = json.dumps(BODIES[name]).replace('"INDICATOR"', str(self.free_indicator.pk))
            return getattr(self.client, method)(url, data=body, content_type="application/json")
        return getattr(self.client, method)(url)

    def test_it_covers_every_url_of_the_module(self):
        names = {n for n in url_names() if n.startswith("figures:")} | set(api_operations())
        self.assertEqual(names - set(MATRIX), set(), "Add these URLs and operations")
        self.assertEqual(set(MATRIX) - names, set())

    def test_every_url_answers_every_persona_as_expected(self):
        for name, (key, method, expectations) in MATRIX.items():
            for persona, expected in expectations.items():
                with self.subTest(name=name, persona=persona), transaction.atomic():
                    response = self.request(name, key, method, persona)
                    self.assertEqual(
                        response.status_code,
                        expected,
                        f"{method.upper()} {name} as {persona}: {response.status_code}",
                    )
                    transaction.set_rollback(True)

    def test_every_allowed_read_of_figures_leaves_an_audit_row_naming_nobody(self):
        for name, action in AUDITED.items():
            key, method, expectations = MATRIX[name]
            for persona, expected in expectations.items():
                if expected != 200:
                    continue
                with self.subTest(name=name, persona=persona), transaction.atomic():
                    before = AuditEvent.objects.count()
                    self.request(name, key, method, persona)
                    events = list(
                        AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - before]
                    )
                    read = [e for e in events if e.action == action]
                    self.assertEqual(len(read), 1, [e.action for e in events])
                    self.assertEqual(read[0].actor, self.persona(persona))
                    self.assertEqual(read[0].subject, "")
                    self.assertEqual(read[0].target_type, "figures.figure")
                    transaction.set_rollback(True)
