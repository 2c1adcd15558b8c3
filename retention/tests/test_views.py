"""The DPO's pages: rules, the queue and its decisions, legal holds, history."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.stepup import STEP_UP_SECONDS
from audit.models import AuditEvent
from cases.tests.base import make_file, make_person
from retention import access, services
from retention.models import (
    LegalHold,
    RetentionRule,
    ReviewItem,
    ReviewStatus,
    RuleAction,
    RuleKind,
)
from retention.tests.base import RetentionPersonas

CLOSED = datetime.date(2019, 5, 5)


def step_up_to(next_url: str) -> str:
    """The step-up page, coming back to `next_url`."""
    return reverse("mfa_reauthenticate") + "?" + urlencode({"next": next_url})


def later(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


class RuleViewsTest(RetentionPersonas):
    def test_it_lists_the_defaults_and_the_cells(self):
        self.login(self.dpo)
        response = self.client.get(reverse("retention:rules"))
        self.assertContains(response, "Closed case file")
        self.assertContains(response, "60 months")
        self.assertContains(response, "Help-desk contact")
        self.assertContains(response, "LIVC-R A")
        self.assertNotContains(response, "LIVC-R B")  # agency B coordinates it

    def test_the_dpo_changes_a_rule_and_it_is_audited(self):
        self.login(self.dpo)
        response = self.client.post(
            reverse("retention:rule_edit", args=["referral_no_further_action"]),
            {"months": 6, "action": "delete"},
        )
        self.assertRedirects(response, reverse("retention:rules"))
        rule = RetentionRule.objects.get(organisation=self.org_a)
        self.assertEqual((rule.months, rule.action, rule.updated_by), (6, "delete", self.dpo))
        event = AuditEvent.objects.get(action="retention.rule.changed")
        self.assertEqual(event.changes["months"], [12, 6])
        self.assertEqual(event.changes["action"], ["anonymise", "delete"])
        self.assertEqual((event.target_type, event.actor), ("retention.retentionrule", self.dpo))

    def test_saving_the_same_rule_again_writes_nothing(self):
        services.change_rule(
            self.org_a, "closed_file", {"months": 48, "action": "anonymise"}, actor=self.dpo
        )
        self.login(self.dpo)
        self.client.post(
            reverse("retention:rule_edit", args=["closed_file"]),
            {"months": 48, "action": "anonymise"},
        )
        self.assertEqual(AuditEvent.objects.filter(action="retention.rule.changed").count(), 1)

    def test_it_refuses_a_month_count_out_of_range(self):
        self.login(self.dpo)
        url = reverse("retention:rule_edit", args=["closed_file"])
        for months in (0, 1201, "x"):
            response = self.client.post(url, {"months": months, "action": "anonymise"})
            self.assertEqual(response.status_code, 200)
            self.assertTrue(response.context["form"].errors["months"])
        self.assertFalse(RetentionRule.objects.exists())

    def test_an_unknown_kind_is_a_404(self):
        self.login(self.dpo)
        self.assertEqual(self.client.get("/retention/rules/nothing/").status_code, 404)

    def test_a_cell_rule_is_set_and_removed(self):
        self.login(self.dpo)
        url = reverse("retention:cell_rule_edit", args=["livc-a"])
        self.client.post(url, {"months": 24, "action": "anonymise"})
        rule = RetentionRule.objects.get(cell=self.cell)
        self.assertEqual(rule.kind, RuleKind.CONSULTATION_MINUTES)
        self.assertContains(self.client.get(url), "Follow the organisation")
        self.client.post(reverse("retention:cell_rule_delete", args=["livc-a"]))
        self.assertFalse(RetentionRule.objects.exists())
        changes = AuditEvent.objects.filter(action="retention.rule.changed").latest("id").changes
        self.assertEqual(changes["cell"], [self.cell.pk, None])
        self.assertEqual(changes["months"], [24, 60])

    def test_another_organisations_cell_is_a_404(self):
        self.login(self.dpo)
        url = reverse("retention:cell_rule_edit", args=["livc-b"])
        self.assertEqual(self.client.post(url, {"months": 1, "action": "delete"}).status_code, 404)
        self.assertFalse(RetentionRule.objects.exists())


class QueueViewsTest(RetentionPersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.due = cls.make_due("Queued Quinn")
        cls.item = ReviewItem.objects.create(
            kind=RuleKind.CLOSED_FILE,
            organisation=cls.org_a,
            object_id=cls.due.pk,
            file=cls.due,
            due_since=CLOSED,
        )

    @classmethod
    def make_due(cls, name, org=None):
        from cases.models import CaseFile

        file = make_file(make_person(name, None), org or cls.org_a, cls.officer)
        CaseFile.objects.filter(pk=file.pk).update(status="closed", closed_on=CLOSED)
        file.refresh_from_db()
        return file

    def add_items(self, count: int, org=None) -> list[ReviewItem]:
        items = []
        for i in range(count):
            file = self.make_due(f"Many {i} {org}", org)
            items.append(
                ReviewItem.objects.create(
                    kind=RuleKind.CLOSED_FILE,
                    organisation_id=file.organisation_id,
                    object_id=file.pk,
                    file=file,
                    due_since=CLOSED,
                )
            )
        return items

    def test_it_shows_the_handle_and_records_whom_it_showed(self):
        self.login(self.dpo)
        response = self.client.get(reverse("retention:queue"))
        self.assertContains(response, self.due.person.handle)
        self.assertNotContains(response, "Queued Quinn")  # no name, no content
        event = AuditEvent.objects.get(action="retention.review.listed")
        self.assertEqual(event.subject, str(self.due.person.uuid))

    def test_it_shows_only_its_organisations_records(self):
        self.add_items(1, self.org_b)
        self.login(self.dpo_b)
        response = self.client.get(reverse("retention:queue"))
        self.assertEqual(len(response.context["page"].object_list), 1)
        self.assertNotContains(response, self.due.person.handle)

    def test_it_filters_by_status_and_kind(self):
        ReviewItem.objects.filter(pk=self.item.pk).update(status=ReviewStatus.APPROVED)
        self.login(self.dpo)
        url = reverse("retention:queue")
        self.assertEqual(len(self.client.get(url).context["page"].object_list), 0)
        for query, count in (
            ({"status": "approved"}, 1),
            ({"status": "open"}, 1),
            ({"status": "open", "kind": "consultation_minutes"}, 0),
        ):
            self.assertEqual(len(self.client.get(url, query).context["page"].object_list), count)

    def test_the_dpo_approves_several_records_at_once(self):
        others = self.add_items(2)
        self.login(self.dpo)
        self.step_up(self.dpo)
        uuids = [str(self.item.uuid), str(others[0].uuid)]
        response = self.client.post(reverse("retention:approve"), {"items": uuids})
        self.assertRedirects(response, reverse("retention:queue"))
        statuses = dict(ReviewItem.objects.values_list("pk", "status"))
        self.assertEqual(statuses[self.item.pk], ReviewStatus.APPROVED)
        self.assertEqual(statuses[others[0].pk], ReviewStatus.APPROVED)
        self.assertEqual(statuses[others[1].pk], ReviewStatus.PENDING)
        self.item.refresh_from_db()
        self.assertEqual((self.item.action, self.item.decided_by), ("anonymise", self.dpo))
        events = AuditEvent.objects.filter(action="retention.review.approved")
        self.assertEqual(events.count(), 2)
        self.assertIn(str(self.due.person.uuid), set(events.values_list("subject", flat=True)))

    def test_approval_follows_the_rule_in_force(self):
        services.change_rule(
            self.org_a, "closed_file", {"months": 60, "action": "delete"}, actor=self.dpo
        )
        self.login(self.dpo)
        self.step_up(self.dpo)
        self.client.post(reverse("retention:approve"), {"items": [str(self.item.uuid)]})
        self.item.refresh_from_db()
        self.assertEqual(self.item.action, RuleAction.DELETE)

    def test_another_organisations_dpo_cannot_approve(self):
        self.login(self.dpo_b)
        self.step_up(self.dpo_b)
        self.client.post(reverse("retention:approve"), {"items": [str(self.item.uuid)]})
        self.item.refresh_from_db()
        self.assertEqual(self.item.status, ReviewStatus.PENDING)

    def test_a_held_record_is_not_offered_for_approval(self):
        services.place_hold(actor=self.dpo, person=self.due.person, file=self.due, reason="Court")
        self.login(self.dpo)
        self.step_up(self.dpo)
        response = self.client.get(reverse("retention:queue"))
        self.assertContains(response, "Legal hold")
        self.assertNotContains(response, f'value="{self.item.uuid}"')
        self.client.post(reverse("retention:approve"), {"items": [str(self.item.uuid)]})
        self.item.refresh_from_db()
        self.assertEqual(self.item.status, ReviewStatus.PENDING)

    def test_approving_several_without_a_step_up_asks_for_it_and_approves_nothing(self):
        self.login(self.dpo)
        queue = reverse("retention:queue")
        self.assertContains(self.client.get(queue), "asks for your second factor again")
        response = self.client.post(reverse("retention:approve"), {"items": [str(self.item.uuid)]})
        self.assertRedirects(response, step_up_to(queue), fetch_redirect_response=False)
        self.item.refresh_from_db()
        self.assertEqual((self.item.status, self.item.decided_by), (ReviewStatus.PENDING, None))
        self.assertFalse(AuditEvent.objects.filter(action="retention.review.approved").exists())

    def test_approving_one_without_a_step_up_asks_for_it_and_approves_nothing(self):
        self.login(self.dpo)
        url = reverse("retention:item", args=[self.item.uuid])
        self.assertContains(self.client.get(url), "asks for your second factor again")
        response = self.client.post(url, {"decision": "approve"})
        self.assertRedirects(response, step_up_to(url), fetch_redirect_response=False)
        self.item.refresh_from_db()
        self.assertEqual((self.item.status, self.item.decided_by), (ReviewStatus.PENDING, None))
        self.assertFalse(AuditEvent.objects.filter(action="retention.review.approved").exists())

    def test_an_old_step_up_is_asked_again(self):
        self.login(self.dpo)
        self.step_up(self.dpo)
        session = self.client.session
        session["account_authentication_methods"][0]["at"] -= STEP_UP_SECONDS + 1
        session.save()
        url = reverse("retention:item", args=[self.item.uuid])
        response = self.client.post(url, {"decision": "approve"})
        self.assertRedirects(response, step_up_to(url), fetch_redirect_response=False)
        self.item.refresh_from_db()
        self.assertEqual(self.item.status, ReviewStatus.PENDING)

    def test_the_dpo_keeps_a_record_longer_with_a_reason(self):
        self.login(self.dpo)  # no step-up: the record stays
        url = reverse("retention:item", args=[self.item.uuid])
        response = self.client.post(url, {"decision": "extend", "until": later(90)})
        self.assertTrue(response.context["form"].errors["reason"])
        response = self.client.post(url, {"decision": "extend", "until": later(-1), "reason": "x"})
        self.assertTrue(response.context["form"].errors["until"])
        response = self.client.post(
            url, {"decision": "extend", "until": later(90), "reason": "An appeal is pending"}
        )
        self.assertRedirects(response, reverse("retention:queue"))
        self.item.refresh_from_db()
        self.assertEqual(self.item.status, ReviewStatus.EXTENDED)
        self.assertEqual(self.item.extension_reason, "An appeal is pending")
        event = AuditEvent.objects.get(action="retention.review.extended")
        self.assertEqual(event.changes["extended_until"], [None, later(90)])
        self.assertNotIn("appeal", str(event.changes) + event.reason)

    def test_the_dpo_approves_one_record_from_its_page(self):
        self.login(self.dpo)
        self.step_up(self.dpo)
        url = reverse("retention:item", args=[self.item.uuid])
        self.assertContains(self.client.get(url), self.due.person.handle)
        self.client.post(url, {"decision": "approve"})
        self.item.refresh_from_db()
        self.assertEqual(self.item.status, ReviewStatus.APPROVED)
        response = self.client.post(url, {"decision": "approve"})
        self.assertContains(response, "cannot be approved")

    def test_its_number_of_queries_does_not_grow_with_the_records(self):
        self.login(self.dpo)
        url = reverse("retention:queue")
        self.client.get(url)  # the session settles on the first request
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(len(self.client.get(url).context["page"].object_list), 1)
        items = self.add_items(9)
        services.place_hold(actor=self.dpo, person=items[0].file.person, file=None, reason="Court")
        with self.assertNumQueries(len(few)):
            self.assertEqual(len(self.client.get(url).context["page"].object_list), 10)

    def test_the_history_shows_what_was_removed(self):
        ReviewItem.objects.filter(pk=self.item.pk).update(
            status=ReviewStatus.DONE,
            action="anonymise",
            executed_at=timezone.now(),
            removed={"cases.casefile": 1, "cases.journalentry": 4},
            file=None,
        )
        self.login(self.dpo)
        response = self.client.get(reverse("retention:history"))
        self.assertContains(response, "cases.journalentry: 4")


class HoldViewsTest(RetentionPersonas):
    def test_the_dpo_places_a_hold_on_the_file_by_handle(self):
        self.login(self.dpo)
        response = self.client.post(
            reverse("retention:hold_place"),
            {"handle": self.person.handle.lower(), "scope": "file", "reason": "Court order 12/34"},
        )
        self.assertRedirects(response, reverse("retention:holds"))
        hold = LegalHold.objects.get()
        self.assertEqual((hold.file, hold.person, hold.organisation), (self.file, None, self.org_a))
        self.assertEqual(hold.reason, "Court order 12/34")
        event = AuditEvent.objects.get(action="retention.hold.placed")
        self.assertEqual(event.subject, str(self.person.uuid))
        self.assertNotIn("12/34", str(event.changes) + event.reason)
        self.assertEqual(access.active_hold(self.file), hold)
        self.assertContains(self.client.get(reverse("retention:holds")), "Court order 12/34")

    def test_a_hold_on_the_person_covers_the_organisations_records_only(self):
        services.place_hold(actor=self.dpo, person=self.person, file=None, reason="Court")
        self.assertIsNotNone(access.active_hold(self.file))
        self.assertIsNone(access.active_hold(self.file_b))  # agency B's own file
        holds = access.holds_for_files([self.file, self.file_b])
        self.assertEqual(set(holds), {self.file.pk})

    def test_a_handle_outside_the_organisation_is_not_found(self):
        stranger = make_person("Stranger Danger", None)
        make_file(stranger, self.org_b, self.partner_b)
        self.login(self.dpo)
        response = self.client.post(
            reverse("retention:hold_place"),
            {"handle": stranger.handle, "scope": "person", "reason": "Court"},
        )
        self.assertTrue(response.context["form"].errors["handle"])
        self.assertFalse(LegalHold.objects.exists())

    def test_a_file_hold_needs_a_file(self):
        self.login(self.dpo)  # Maya is only referred to agency A
        response = self.client.post(
            reverse("retention:hold_place"),
            {"handle": self.minor.handle, "scope": "file", "reason": "Court"},
        )
        self.assertTrue(response.context["form"].errors["scope"])
        response = self.client.post(
            reverse("retention:hold_place"),
            {"handle": self.minor.handle, "scope": "person", "reason": "Court"},
        )
        self.assertEqual(LegalHold.objects.get().person, self.minor)

    def test_the_same_hold_twice_is_refused(self):
        services.place_hold(actor=self.dpo, person=self.person, file=self.file, reason="Court")
        self.login(self.dpo)
        response = self.client.post(
            reverse("retention:hold_place"),
            {"handle": self.person.handle, "scope": "file", "reason": "Again"},
        )
        self.assertContains(response, "already in place")
        self.assertEqual(LegalHold.objects.count(), 1)

    def test_the_dpo_lifts_a_hold_with_a_reason(self):
        hold = services.place_hold(actor=self.dpo, person=self.person, file=self.file, reason="C")
        self.login(self.dpo)
        url = reverse("retention:hold_lift", args=[hold.uuid])
        self.assertTrue(self.client.post(url, {"reason": ""}).context["form"].errors["reason"])
        self.assertRedirects(
            self.client.post(url, {"reason": "Judgment"}), reverse("retention:holds")
        )
        hold.refresh_from_db()
        self.assertEqual((hold.lifted_by, hold.lift_reason), (self.dpo, "Judgment"))
        self.assertIsNone(access.active_hold(self.file))
        self.assertTrue(AuditEvent.objects.filter(action="retention.hold.lifted").exists())
        self.assertNotContains(self.client.get(url), "Lift the hold")
