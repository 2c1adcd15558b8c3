"""The access matrix of the module: every URL name (pages and API) x persona, and the audit
row each allowed request of the DPO leaves.

Personas (retention/tests/base.py): A = anonymous, D = the DPO of agency A, DB = the DPO
of agency B (another organisation: 404 on A's records), OF = A's referral officer, not a
DPO (403). The core matrix (core/tests/test_url_matrix.py) leaves these URLs to this one.
"""

import datetime
import json
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from audit.models import AuditEvent
from cases.tests.base import make_file, make_person
from core.testing import TOTP_SECRET
from core.tests.test_url_matrix import url_names
from retention import services
from retention.models import RuleAction, RuleKind
from retention.tests.base import RetentionPersonas

A, D, DB, OF = "anonymous", "dpo", "dpo_b", "officer"
LOGIN = 302
PAGE = {A: LOGIN, D: 200, DB: 200, OF: 403}  # a page of one's own organisation
OWN = {A: LOGIN, D: 200, DB: 404, OF: 403}  # a page about a record of agency A
API_LIST = {A: 401, D: 200, DB: 200, OF: 403}
API_OWN = {A: 401, D: 200, DB: 404, OF: 403}

# name: (kwargs key, method, {persona: status}, audit action of the DPO's request or None)
MATRIX = {
    "retention:queue": ("", "get", PAGE, "retention.review.listed"),
    "retention:approve": (
        "",
        "post",
        {A: LOGIN, D: 302, DB: 302, OF: 403},
        "retention.review.approved",
    ),
    "retention:item": ("item", "get", OWN, "retention.review.viewed"),
    "retention:rules": ("", "get", PAGE, None),
    "retention:rule_edit": ("kind", "get", PAGE, None),
    "retention:cell_rule_edit": ("cell", "get", OWN, None),
    "retention:cell_rule_delete": (
        "cell",
        "post",
        {A: LOGIN, D: 302, DB: 404, OF: 403},
        "retention.rule.changed",
    ),
    "retention:holds": ("", "get", PAGE, "retention.hold.listed"),
    "retention:hold_place": ("", "get", PAGE, None),
    "retention:hold_lift": ("hold", "get", OWN, "retention.hold.viewed"),
    "retention:history": ("", "get", PAGE, None),
    "api:list_retention_rules": ("", "get", API_LIST, None),
    "api:update_retention_rule": ("kind", "put", API_LIST, "retention.rule.changed"),
    "api:update_retention_cell_rule": ("cell", "put", API_OWN, "retention.rule.changed"),
    "api:delete_retention_cell_rule": (
        "cell",
        "delete",
        {A: 401, D: 204, DB: 404, OF: 403},
        "retention.rule.changed",
    ),
    "api:list_retention_items": ("", "get", API_LIST, "retention.review.listed"),
    "api:get_retention_item": ("item", "get", API_OWN, "retention.review.viewed"),
    "api:decide_retention_item": ("item", "post", API_OWN, "retention.review.approved"),
    # another organisation's records are not among one's choices: 400, nothing approved
    "api:approve_retention_items": (
        "",
        "post",
        {A: 401, D: 200, DB: 400, OF: 403},
        "retention.review.approved",
    ),
    "api:list_legal_holds": ("", "get", API_LIST, "retention.hold.listed"),
    # another organisation's DPO does not find the person by handle: 400
    "api:place_legal_hold": (
        "",
        "post",
        {A: 401, D: 201, DB: 400, OF: 403},
        "retention.hold.placed",
    ),
    "api:lift_legal_hold": ("hold", "post", API_OWN, "retention.hold.lifted"),
    "api:list_retention_history": ("", "get", API_LIST, None),
}


# approving a removal: the second factor again (pages: the session; API: X-Synergie-OTP)
STEP_UP = {"api:decide_retention_item", "api:approve_retention_items"}


def api_operations() -> dict[str, set[str]]:
    """Each operation's name -> the names of the operations sharing its path (one of them
    is the URL's name)."""
    from retention.api import router

    names = {}
    for path_view in router.path_operations.values():
        siblings = {f"api:{op.view_func.__name__}" for op in path_view.operations}
        for name in siblings:
            names[name] = siblings
    return names


class RetentionMatrix(RetentionPersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        closed = datetime.date(2019, 1, 1)
        cls.due = cls.closed_file_at("Matrix Person", closed)
        cls.item = cls.queue_item_for(cls.due)
        held = make_file(make_person("Held Person", None), cls.org_a, cls.officer)
        cls.hold = services.place_hold(actor=cls.dpo, person=held.person, file=held, reason="Court")
        services.change_rule(
            cls.org_a,
            RuleKind.CONSULTATION_MINUTES,
            {"months": 24, "action": RuleAction.ANONYMISE},
            actor=cls.dpo,
            cell=cls.cell,
        )

    @classmethod
    def closed_file_at(cls, name, closed):
        from cases.models import CaseFile

        file = make_file(make_person(name, None), cls.org_a, cls.officer)
        CaseFile.objects.filter(pk=file.pk).update(status="closed", closed_on=closed)
        file.refresh_from_db()
        return file

    @classmethod
    def queue_item_for(cls, file):
        from retention.models import ReviewItem

        return ReviewItem.objects.create(
            kind=RuleKind.CLOSED_FILE,
            organisation=cls.org_a,
            object_id=file.pk,
            file=file,
            due_since=datetime.date(2024, 1, 1),
        )

    def persona(self, name):
        return {A: None, D: self.dpo, DB: self.dpo_b, OF: self.officer}[name]

    def kwargs(self, key):
        return {
            "": {},
            "item": {"item_uuid": self.item.uuid},
            "hold": {"hold_uuid": self.hold.uuid},
            "cell": {"key": self.cell.key},
            "kind": {"kind": RuleKind.CLOSED_FILE.value},
        }[key]

    def url(self, name, key):
        kwargs = self.kwargs(key)
        if name.startswith("api:"):
            url_name = (api_operations()[name] & url_names()).pop()
            return reverse(url_name, kwargs=kwargs)
        return reverse(name, kwargs=kwargs)

    def body(self, name):
        return {
            "api:update_retention_rule": {"months": 60, "action": "anonymise"},
            "api:update_retention_cell_rule": {"months": 12, "action": "delete"},
            "api:decide_retention_item": {"decision": "approve"},
            "api:approve_retention_items": {"items": [str(self.item.uuid)]},
            "api:place_legal_hold": {
                "handle": self.due.person.handle,
                "scope": "file",
                "reason": "A court asked",
            },
            "api:lift_legal_hold": {"reason": "Settled"},
        }.get(name)

    def request(self, name, key, method, persona):
        self.client.logout()
        cache.clear()  # a TOTP code is accepted once
        user = self.persona(persona)
        headers = {}
        if user is not None:
            self.login(user)
            self.step_up(user)
            if name in STEP_UP:
                counter = int(time.time()) // 30
                headers["X-Synergie-OTP"] = format_hotp_value(hotp_value(TOTP_SECRET, counter))
        url = self.url(name, key)
        call = getattr(self.client, method)
        if name == "retention:approve":
            return call(url, {"items": [str(self.item.uuid)]})
        body = self.body(name)
        if body is not None:
            return call(
                url, data=json.dumps(body), content_type="application/json", headers=headers
            )
        return call(url, headers=headers)

    def test_it_covers_every_retention_url(self):
        names = {n for n in url_names() if n.startswith("retention:")} | set(api_operations())
        self.assertEqual(names - set(MATRIX), set(), "Add these URLs and operations")
        self.assertEqual(set(MATRIX) - names, set())

    def test_every_url_answers_every_persona_as_expected(self):
        for name, (key, method, expectations, _action) in MATRIX.items():
            for persona, expected in expectations.items():
                with self.subTest(name=name, persona=persona), transaction.atomic():
                    response = self.request(name, key, method, persona)
                    self.assertEqual(
                        response.status_code,
                        expected,
                        f"{method.upper()} {name} as {persona}: {response.status_code}",
                    )
                    transaction.set_rollback(True)

    def test_every_request_of_the_dpo_leaves_its_audit_row(self):
        for name, (key, method, _expectations, action) in MATRIX.items():
            if action is None:
                continue
            with self.subTest(name=name), transaction.atomic():
                last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
                self.request(name, key, method, D)
                new = AuditEvent.objects.filter(id__gt=last or 0)
                self.assertIn(action, set(new.values_list("action", flat=True)))
                self.assertTrue(new.filter(action=action, actor=self.dpo).exists())
                transaction.set_rollback(True)

    def test_nothing_of_another_organisation_is_changed_by_its_dpo(self):
        for name, (key, method, expectations, action) in MATRIX.items():
            if action is None or method == "get" or expectations[DB] in (200, 204, 201):
                continue
            with self.subTest(name=name), transaction.atomic():
                last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
                self.request(name, key, method, DB)
                self.assertFalse(AuditEvent.objects.filter(id__gt=last or 0, action=action))
                transaction.set_rollback(True)
