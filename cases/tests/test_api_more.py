"""The rest of what the pages do, through the API: the case team, documents, the timeline,
handovers, withdrawing a referral to a service, break-glass and its review, and the
referrals one sent. The same rules as test_api.py: anonymous 401, outside 404 (audited),
in sight but not allowed 403, allowed with its audit row naming the person, bad input 400
with nothing changed."""

import datetime

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from cases import services
from cases.models import (
    Attachment,
    BreakGlass,
    CaseFile,
    Handover,
    ServiceReferral,
    TeamMember,
)
from cases.services import MAX_ATTACHMENT_BYTES
from cases.tests.base import make_file
from cases.tests.test_api import API, ApiCase, current_code, events
from core.testing import make_org, make_user

OUTSIDERS = ("partner_b", "colleague", "admin", "dpo")


class MoreApiCase(ApiCase):
    def outsiders(self):
        return [getattr(self, name) for name in OUTSIDERS]

    def assert_refused_to_everyone_off_the_team(self, method, url, body=None):
        for user in self.outsiders():
            with self.subTest(user=user.email):
                response = self.call(method, url, body, user=user)
                self.assertEqual(response.status_code, 404)
                denied = events("case.file.denied", actor=user).latest("id")
                self.assertEqual(denied.subject, str(self.person.uuid))

    def open_break_glass(self, user):
        """An active break-glass grant for `user` on the file (read only)."""
        return services.break_glass(self.file, "A crisis call about Pat tonight.", actor=user)


class TeamTest(MoreApiCase):
    def url(self, rest=""):
        return self.file_url("/team" + rest)

    def team(self):
        return sorted(TeamMember.objects.filter(file=self.file).values_list("user__email", "role"))

    def test_anonymous_callers_are_refused(self):
        for method, url, body in [
            ("get", self.url(), None),
            ("post", self.url(), {"user": "colleague@a.test"}),
            ("delete", self.url("/partner@a.test"), None),
            ("post", self.file_url("/manager"), {"user": "partner@a.test"}),
        ]:
            with self.subTest(method=method, url=url):
                self.assertEqual(self.call(method, url, body).status_code, 401)
        self.assertEqual(len(self.team()), 2)

    def test_it_is_a_404_off_the_team(self):
        self.assert_refused_to_everyone_off_the_team("get", self.url())
        self.assert_refused_to_everyone_off_the_team("post", self.url(), {"user": "dpo@a.test"})
        self.assert_refused_to_everyone_off_the_team("delete", self.url("/partner@a.test"))
        self.assertFalse(events("case.team.viewed"))
        self.assertEqual(len(self.team()), 2)

    def test_a_team_member_may_not_manage_the_team(self):
        self.login(self.partner)
        for method, url, body in [
            ("get", self.url(), None),
            ("post", self.url(), {"user": "colleague@a.test"}),
            ("delete", self.url("/officer@a.test"), None),
            ("post", self.file_url("/manager"), {"user": "partner@a.test"}),
        ]:
            with self.subTest(method=method, url=url):
                response = self.call(method, url, body)
                self.assertEqual(response.status_code, 403)
                self.assertEqual(response.json(), {"detail": "You may not do this."})
        self.assertEqual(self.team(), [("officer@a.test", "manager"), ("partner@a.test", "member")])

    def test_the_case_manager_reads_and_changes_the_team(self):
        response = self.call("get", self.url(), user=self.officer)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [(m["email"], m["role"], m["user_id"]) for m in response.json()],
            [
                ("officer@a.test", "manager", self.officer.pk),
                ("partner@a.test", "member", self.partner.pk),
            ],
        )
        viewed = events("case.team.viewed", actor=self.officer).get()
        self.assertEqual(viewed.subject, str(self.person.uuid))

        response = self.call("post", self.url(), {"user": "colleague@a.test"})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["role"], "member")
        added = events("case.team.added", actor=self.officer).get()
        self.assertEqual(added.subject, str(self.person.uuid))

        self.assertEqual(self.call("delete", self.url("/COLLEAGUE@a.test")).status_code, 204)
        self.assertEqual(self.call("delete", self.url(f"/{self.partner.pk}")).status_code, 204)
        removed = events("case.team.removed", actor=self.officer)
        self.assertEqual({e.subject for e in removed}, {str(self.person.uuid)})
        self.assertEqual(self.team(), [("officer@a.test", "manager")])

    def test_the_case_manager_hands_the_role_to_a_colleague(self):
        body = {"user": "partner@a.test"}
        response = self.call("post", self.file_url("/manager"), body, user=self.officer)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            (response.json()["manager"], response.json()["my_role"]), ("partner@a.test", "member")
        )
        self.assertEqual(self.team(), [("officer@a.test", "member"), ("partner@a.test", "manager")])
        changed = events("case.file.manager_changed", actor=self.officer).get()
        self.assertEqual(changed.subject, str(self.person.uuid))
        self.assertEqual(self.call("get", self.url()).status_code, 403)  # no longer manager

    def test_bad_input_changes_nothing(self):
        self.login(self.officer)
        for body in (
            {"user": "nobody@a.test"},
            {"user": "partner@b.test"},  # another organisation
            {"user": "dpo@a.test"},  # keeps no case files
            {"user": "partner@a.test"},  # already on the team
        ):
            with self.subTest(body=body):
                response = self.call("post", self.url(), body, HTTP_ACCEPT_LANGUAGE="en")
                self.assertEqual(response.status_code, 400)
                self.assertIn("user", response.json()["errors"])
        response = self.call("post", self.file_url("/manager"), {"user": "partner@b.test"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.call("post", self.url(), {}).status_code, 422)
        response = self.call("delete", self.url("/officer@a.test"))  # the case manager stays
        self.assertEqual(response.status_code, 400)
        for member in ("colleague@a.test", "999999", "99999999999999999999999", "٣"):
            with self.subTest(member=member):
                self.assertEqual(self.call("delete", self.url(f"/{member}")).status_code, 404)
        self.assertEqual(self.team(), [("officer@a.test", "manager"), ("partner@a.test", "member")])
        self.assertFalse(events("case.team.added") or events("case.team.removed"))
        self.assertFalse(events("case.file.manager_changed"))


class AttachmentTest(MoreApiCase):
    def upload(self, content=b"%PDF-1.4 judgement", name="judgement.pdf", user=None):
        if user is not None:
            self.login(user)
        upload = SimpleUploadedFile(name, content, "application/pdf")
        return self.client.post(self.file_url("/attachments"), {"upload": upload})

    def test_anonymous_callers_are_refused(self):
        self.assertEqual(self.upload().status_code, 401)
        self.assertEqual(self.client.get(self.file_url("/attachments")).status_code, 401)
        self.assertFalse(Attachment.objects.exists())

    def test_the_team_adds_lists_and_downloads_a_document(self):
        response = self.upload(user=self.partner)
        self.assertEqual(response.status_code, 201, response.content)
        added = response.json()
        self.assertEqual(
            (added["name"], added["content_type"], added["size"], added["uploaded_by"]),
            ("judgement.pdf", "application/pdf", 18, "partner"),
        )
        created = events("case.attachment.created", actor=self.partner).get()
        self.assertEqual(created.subject, str(self.person.uuid))
        stored = Attachment.objects.get()
        with default_storage.open(stored.blob, "rb") as handle:
            self.assertNotIn(b"judgement", handle.read())  # encrypted at rest

        listed = self.call("get", self.file_url("/attachments"), user=self.officer).json()
        self.assertEqual([a["id"] for a in listed], [added["id"]])
        self.assertEqual(
            events("case.attachment.listed", actor=self.officer).get().subject,
            str(self.person.uuid),
        )

        response = self.client.get(self.file_url(f"/attachments/{added['id']}"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"%PDF-1.4 judgement")
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn('attachment; filename="judgement.pdf"', response["Content-Disposition"])
        self.assertIn("no-store", response["Cache-Control"])
        downloaded = events("case.attachment.downloaded", actor=self.officer).get()
        self.assertEqual(
            (downloaded.target_id, downloaded.subject), (str(stored.pk), str(self.person.uuid))
        )

    def test_it_is_a_404_off_the_team(self):
        document = services.add_attachment(
            self.file, SimpleUploadedFile("a.txt", b"abc", "text/plain"), actor=self.officer
        )
        self.assert_refused_to_everyone_off_the_team("get", self.file_url("/attachments"))
        self.assert_refused_to_everyone_off_the_team(
            "get", self.file_url(f"/attachments/{document.uuid}")
        )
        for user in self.outsiders():
            with self.subTest(user=user.email):
                self.assertEqual(self.upload(user=user).status_code, 404)
        self.assertEqual(Attachment.objects.count(), 1)
        self.assertFalse(events("case.attachment.downloaded"))

    def test_a_document_of_another_file_is_a_404(self):
        document = services.add_attachment(
            self.file_b, SimpleUploadedFile("b.txt", b"abc", "text/plain"), actor=self.partner_b
        )
        url = self.file_url(f"/attachments/{document.uuid}")
        self.assertEqual(self.call("get", url, user=self.partner).status_code, 404)

    def test_break_glass_reads_but_may_not_add(self):
        self.open_break_glass(self.colleague)
        self.assertEqual(
            self.call("get", self.file_url("/attachments"), user=self.colleague).status_code, 200
        )
        self.assertEqual(self.upload(user=self.colleague).status_code, 403)
        self.assertFalse(Attachment.objects.exists())

    def test_a_document_over_10_mb_or_empty_is_refused_and_nothing_is_stored(self):
        response = self.upload(b"x" * (MAX_ATTACHMENT_BYTES + 1), user=self.partner)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["errors"]["upload"], ["A document may be 10 MB at most."])
        response = self.upload(b"")
        self.assertEqual(response.status_code, 400)
        self.assertIn("upload", response.json()["errors"])
        self.assertEqual(self.client.post(self.file_url("/attachments")).status_code, 422)
        self.assertFalse(Attachment.objects.exists())
        self.assertFalse(events("case.attachment.created"))


class TimelineTest(MoreApiCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        services.add_entry(
            cls.file,
            {"kind": "contact", "occurred_on": datetime.date(2025, 3, 1), "text": "Phone call."},
            actor=cls.partner,
        )
        services.add_evaluation(
            cls.file,
            {"evaluated_on": datetime.date(2025, 2, 1), "summary": "Looking for work."},
            actor=cls.officer,
        )
        cls.condition = services.add_condition(
            cls.file,
            {
                "imposed_by": "Court of Namur",
                "imposed_on": datetime.date(2025, 1, 5),
                "text": "Report.",
            },
            actor=cls.officer,
        )
        services.check_condition(
            cls.condition,
            {"checked_on": datetime.date(2025, 2, 15), "compliance": "partly", "note": "Came late"},
            actor=cls.partner,
        )

    def test_anonymous_callers_are_refused(self):
        self.assertEqual(self.call("get", self.file_url("/timeline")).status_code, 401)

    def test_it_is_a_404_off_the_team(self):
        self.assert_refused_to_everyone_off_the_team("get", self.file_url("/timeline"))
        self.assertFalse(events("case.timeline.viewed"))

    def test_it_has_everything_newest_first_and_is_audited(self):
        response = self.call("get", self.file_url("/timeline"), user=self.partner)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual((body["truncated"], body["limit"]), (False, 200))
        self.assertEqual(
            [(i["type"], i["on"], i["text"]) for i in body["items"]],
            [
                ("journal", "2025-03-01", "Phone call."),
                ("check", "2025-02-15", "Came late"),
                ("evaluation", "2025-02-01", "Looking for work."),
                ("condition", "2025-01-05", "Report."),
            ],
        )
        check = body["items"][1]
        self.assertEqual(
            (check["kind"], check["id"], check["status"]),
            ("condition", str(self.condition.uuid), "partly"),
        )
        viewed = events("case.timeline.viewed", actor=self.partner).get()
        self.assertEqual(
            (viewed.target_id, viewed.subject), (str(self.file.pk), str(self.person.uuid))
        )

    def test_it_filters_by_kind(self):
        response = self.call("get", self.file_url("/timeline?kind=condition"), user=self.officer)
        self.assertEqual([i["type"] for i in response.json()["items"]], ["check", "condition"])
        response = self.call("get", self.file_url("/timeline?kind=journal"))
        self.assertEqual([i["detail"] for i in response.json()["items"]], ["contact"])
        plan = services.draft_plan(self.file, actor=self.officer)
        response = self.call("get", self.file_url("/timeline?kind=plan"))
        self.assertEqual(
            [(i["id"], i["detail"], i["status"], i["by"]) for i in response.json()["items"]],
            [(str(plan.uuid), "1", "draft", "officer")],
        )

    def test_a_bad_kind_is_refused_in_the_users_language(self):
        self.login(self.officer)
        response = self.client.get(
            self.file_url("/timeline?kind=gossip"), HTTP_ACCEPT_LANGUAGE="fr"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("Sélectionnez un choix valide", response.json()["errors"]["kind"][0])
        self.assertFalse(events("case.timeline.viewed"))

    def test_it_costs_the_same_for_few_or_many_items(self):
        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                response = self.client.get(self.file_url("/timeline"))
            self.assertEqual(response.status_code, 200)
            return len(captured)

        def add(n: int) -> None:
            for _n in range(n):
                services.add_entry(
                    self.file, {"kind": "note", "text": "A note"}, actor=self.officer
                )
                services.contribute(
                    self.file,
                    {
                        "kind": "summary",
                        "text": "t",
                        "purpose": "p",
                        "legal_basis": "vital_interest",
                    },
                    [self.org_b],
                    actor=self.officer,
                )
                services.refer_to_service(
                    self.file,
                    self.service_a,
                    fields=[],
                    message="",
                    legal_basis="vital_interest",
                    actor=self.officer,
                )

        self.login(self.officer)
        self.client.get(self.file_url("/timeline"))  # the session's first request stores its start
        add(1)
        few = queries()
        add(5)
        self.assertEqual(queries(), few)


class HandoverTest(MoreApiCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # organisation B's referral officer receives what is handed over to B
        cls.officer_b = make_user("officer@b.test", cls.org_b, Role.REFERRAL_OFFICER, mfa=True)

    def body(self, **extra):
        return {
            "to_organisation": "agency-b",
            "legal_basis": "case_consultation",
            "summary": "Pat moves to B's area and keeps following the training.",
            **extra,
        }

    def request_handover(self):
        return services.request_handover(
            self.file,
            {
                "to_organisation": self.org_b,
                "legal_basis": "case_consultation",
                "consent_reference": "",
                "summary": "Pat moves to B's area.",
            },
            actor=self.officer,
        )

    def test_both_organisations_dpos_find_the_handover_in_the_disclosure_log(self):
        handover = self.request_handover()
        dpo_b = make_user("dpo@b.test", self.org_b, Role.DPO, mfa=True)
        url = f"{API}/persons/{self.person.uuid}/disclosures"
        for dpo in (self.dpo, dpo_b):  # the sender's and the receiver's
            with self.subTest(dpo=dpo.email):
                response = self.call("get", url, user=dpo)
                self.assertEqual(response.status_code, 200, response.content)
                handovers = [d for d in response.json()["disclosures"] if d["kind"] == "handover"]
                self.assertEqual(
                    [
                        (h["id"], h["organisation"], h["recipients"], h["status"], h["by"])
                        for h in handovers
                    ],
                    [(str(handover.uuid), "agency-a", ["agency-b"], "pending", "officer@a.test")],
                )
                self.assertNotIn("moves to B", response.content.decode())  # never the text
        other = make_user("dpo@c.test", make_org("agency-c", "Agency C"), Role.DPO, mfa=True)
        self.assertEqual(self.call("get", url, user=other).status_code, 404)

    def test_anonymous_callers_are_refused(self):
        handover = self.request_handover()
        self.assertEqual(
            self.call("post", self.file_url("/handover"), self.body()).status_code, 401
        )
        self.assertEqual(self.call("get", f"{API}/handovers").status_code, 401)
        url = f"{API}/handovers/{handover.uuid}/decision"
        self.assertEqual(self.call("post", url, {"accept": False}).status_code, 401)
        self.assertEqual(Handover.objects.get().status, "pending")

    def test_only_the_case_manager_hands_over(self):
        self.assert_refused_to_everyone_off_the_team(
            "post", self.file_url("/handover"), self.body()
        )
        response = self.call("post", self.file_url("/handover"), self.body(), user=self.partner)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Handover.objects.exists())
        response = self.call("post", self.file_url("/handover"), self.body(), user=self.officer)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(
            (response.json()["to_organisation"], response.json()["status"]), ("agency-b", "pending")
        )
        requested = events("case.handover.requested", actor=self.officer).get()
        self.assertEqual(requested.subject, str(self.person.uuid))

    def test_bad_input_hands_nothing_over(self):
        self.login(self.officer)
        past = str(self.future(-1))
        for extra, field in [
            ({"to_organisation": "agency-a"}, "to_organisation"),  # its own organisation
            ({"to_organisation": "nowhere"}, "to_organisation"),
            ({"legal_basis": "consent"}, "consent_reference"),
            (
                {"legal_basis": "consent", "consent_reference": "C-1", "consent_expires_on": past},
                "consent_expires_on",
            ),
            ({"summary": ""}, "summary"),
        ]:
            with self.subTest(extra=extra):
                response = self.call("post", self.file_url("/handover"), self.body(**extra))
                self.assertEqual(response.status_code, 400)
                self.assertIn(field, response.json()["errors"])
        self.assertFalse(Handover.objects.exists())

    def test_a_minors_handover_on_consent_records_the_guardians_involvement(self):
        file = make_file(self.minor, self.org_a, self.officer)
        url = self.file_url("/handover", file)
        body = self.body(legal_basis="consent", consent_reference="C-7")
        response = self.call("post", url, body, user=self.officer)
        self.assertEqual(response.status_code, 400)
        self.assertIn("guardian", response.json()["errors"])
        self.assertFalse(Handover.objects.exists())
        response = self.call("post", url, {**body, "guardian": "consented"})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["guardian"], "consented")
        self.assertEqual(Handover.objects.get().guardian, "consented")

    def test_the_files_team_reads_its_handover_history(self):
        handover = self.request_handover()
        url = self.file_url("/handovers")
        self.assertEqual(self.call("get", url).status_code, 401)
        for user, status in ((self.officer_b, 404), (self.dpo, 404), (self.partner, 403)):
            with self.subTest(user=user.email):
                self.assertEqual(self.call("get", url, user=user).status_code, status)
        [found] = self.call("get", url, user=self.officer).json()
        self.assertEqual(
            (found["id"], found["to_organisation"], found["status"]),
            (str(handover.uuid), "agency-b", "pending"),
        )
        self.assertNotIn("summary", found)
        read = events("case.handover.history.viewed", actor=self.officer).get()
        self.assertEqual(read.subject, str(self.person.uuid))

    def test_the_receiving_officers_see_it_and_accept(self):
        handover = self.request_handover()
        for user in (self.partner_b, self.officer, self.dpo):
            with self.subTest(user=user.email):
                response = self.call("get", f"{API}/handovers", user=user)
                self.assertEqual(response.json()["results"], [])
        response = self.call("get", f"{API}/handovers", user=self.officer_b)
        self.assertEqual(response.status_code, 200)
        [received] = response.json()["results"]
        self.assertEqual(
            (received["person"]["handle"], received["from_organisation"], received["summary"]),
            (self.person.handle, "agency-a", "Pat moves to B's area."),
        )
        listed = events("case.handover.listed", actor=self.officer_b).get()
        self.assertEqual((listed.subject, listed.via), (str(self.person.uuid), "api"))

        url = f"{API}/handovers/{handover.uuid}/decision"
        body = {"accept": True, "manager": "partner@b.test"}
        response = self.call("post", url, body)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            (response.json()["status"], response.json()["file"]),
            ("accepted", str(self.file_b.uuid)),
        )
        self.assertEqual(
            events("case.handover.accepted", actor=self.officer_b).get().subject,
            str(self.person.uuid),
        )
        self.file.refresh_from_db()
        self.assertEqual((self.file.status, self.file.closure_reason), ("closed", "handed_over"))
        self.assertEqual(self.call("post", url, body).status_code, 404)  # decided

    def test_others_cannot_decide(self):
        handover = self.request_handover()
        url = f"{API}/handovers/{handover.uuid}/decision"
        for user in (self.officer, self.partner_b, self.dpo):
            with self.subTest(user=user.email):
                self.assertEqual(
                    self.call("post", url, {"accept": False}, user=user).status_code, 404
                )
        self.assertEqual(Handover.objects.get().status, "pending")

    def test_accepting_needs_a_case_manager_of_ones_own_organisation(self):
        handover = self.request_handover()
        url = f"{API}/handovers/{handover.uuid}/decision"
        self.login(self.officer_b)
        for body in ({"accept": True}, {"accept": True, "manager": "partner@a.test"}):
            with self.subTest(body=body):
                response = self.call("post", url, body)
                self.assertEqual(response.status_code, 400)
                self.assertIn("manager", response.json()["errors"])
        self.assertEqual(self.call("post", url, {"accept": "perhaps"}).status_code, 422)
        self.assertEqual(Handover.objects.get().status, "pending")
        self.assertEqual(CaseFile.objects.get(pk=self.file.pk).status, "open")
        response = self.call("post", url, {"accept": False})
        self.assertEqual((response.status_code, response.json()["status"]), (200, "declined"))
        self.assertEqual(events("case.handover.declined").get().subject, str(self.person.uuid))


class ServiceReferralWithdrawTest(MoreApiCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.referral = services.refer_to_service(
            cls.file,
            cls.private_service_b,
            fields=[],
            message="",
            legal_basis="vital_interest",
            actor=cls.partner,
        )

    def url(self, referral=None):
        return self.file_url(f"/service-referrals/{(referral or self.referral).uuid}/withdraw")

    def status(self):
        return ServiceReferral.objects.get(pk=self.referral.pk).status

    def test_anonymous_callers_are_refused(self):
        self.assertEqual(self.call("post", self.url()).status_code, 401)
        self.assertEqual(self.status(), "sent")

    def test_it_is_a_404_off_the_team_and_403_for_break_glass(self):
        self.assert_refused_to_everyone_off_the_team("post", self.url())
        self.open_break_glass(self.colleague)
        self.assertEqual(self.call("post", self.url(), user=self.colleague).status_code, 403)
        self.assertEqual(self.status(), "sent")

    def test_the_team_withdraws_it_once(self):
        response = self.call("post", self.url(), user=self.officer)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "withdrawn")
        withdrawn = events("case.service_referral.withdrawn", actor=self.officer).get()
        self.assertEqual(withdrawn.subject, str(self.person.uuid))
        response = self.call("post", self.url())
        self.assertEqual(response.status_code, 400)
        self.assertEqual(events("case.service_referral.withdrawn").count(), 1)

    def test_a_referral_of_another_file_is_a_404(self):
        other = services.refer_to_service(
            self.file_b,
            self.service_a,
            fields=[],
            message="",
            legal_basis="vital_interest",
            actor=self.partner_b,
        )
        self.assertEqual(self.call("post", self.url(other), user=self.officer).status_code, 404)
        self.assertEqual(ServiceReferral.objects.get(pk=other.pk).status, "sent")


class BreakGlassTest(MoreApiCase):
    REASON = "Pat called the crisis line; the manager is unreachable."

    def open(self, user, handle=None, reason=REASON, **headers):
        body = {"handle": handle or self.person.handle, "reason": reason}
        return self.call("post", f"{API}/break-glass", body, user=user, **headers)

    def test_anonymous_callers_are_refused(self):
        self.assertEqual(self.open(None).status_code, 401)
        self.assertEqual(self.call("get", f"{API}/break-glass").status_code, 401)
        self.assertFalse(BreakGlass.objects.exists())

    def test_a_colleague_opens_the_file_read_only_after_step_up(self):
        for headers in ({}, {"HTTP_X_SYNERGIE_OTP": "000000"}):
            with self.subTest(headers=headers):
                response = self.open(self.colleague, **headers)
                self.assertEqual(response.status_code, 403)
                self.assertIn("X-Synergie-OTP", response.json()["detail"])
        self.assertFalse(BreakGlass.objects.exists())
        response = self.open(self.colleague, HTTP_X_SYNERGIE_OTP=current_code())
        self.assertEqual(response.status_code, 201, response.content)
        grant = response.json()
        self.assertEqual(
            (grant["file"], grant["person"]["handle"], grant["active"]),
            (str(self.file.uuid), self.person.handle, True),
        )
        opened = events("case.break_glass.opened", actor=self.colleague).get()
        self.assertEqual(opened.subject, str(self.person.uuid))
        self.assertEqual(self.call("get", self.file_url()).json()["my_role"], "")
        body = {"kind": "note", "text": "x"}
        self.assertEqual(self.call("post", self.file_url("/journal"), body).status_code, 403)

    def test_the_answer_is_the_same_whatever_the_handle(self):
        cases = [
            (self.officer, self.person.handle),  # already on the team
            (self.partner_b, self.minor.handle),  # no file of B on Maya
            (self.colleague, "NAM-1999-9999"),  # nobody
        ]
        for user, handle in cases:
            with self.subTest(user=user.email, handle=handle):
                response = self.open(user, handle, HTTP_X_SYNERGIE_OTP=current_code())
                self.assertEqual(response.status_code, 400)
                self.assertEqual(
                    response.json()["errors"],
                    {"handle": ["No file of your organisation can be opened this way."]},
                )
        refused = events("case.break_glass.refused").order_by("id")
        self.assertEqual(
            [e.subject for e in refused], [str(self.person.uuid), str(self.minor.uuid), ""]
        )
        self.assertFalse(BreakGlass.objects.exists())

    def test_a_short_reason_is_refused(self):
        response = self.open(self.colleague, reason="Urgent", HTTP_X_SYNERGIE_OTP=current_code())
        self.assertEqual(response.status_code, 400)
        self.assertIn("reason", response.json()["errors"])
        self.assertFalse(BreakGlass.objects.exists())

    def test_only_case_workers_may_use_it(self):
        for user in (self.dpo, self.coordinator, self.admin):
            with self.subTest(user=user.email):
                response = self.open(user, HTTP_X_SYNERGIE_OTP=current_code())
                self.assertEqual(response.status_code, 403)
        self.assertFalse(BreakGlass.objects.exists())


class BreakGlassReviewTest(MoreApiCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.grant = services.break_glass(
            cls.file, "A crisis call about Pat tonight.", actor=cls.colleague
        )

    def url(self, grant=None):
        return f"{API}/break-glass/{(grant or self.grant).uuid}/review"

    def test_anonymous_callers_are_refused(self):
        self.assertEqual(self.call("post", self.url(), {"justified": True}).status_code, 401)
        self.assertIsNone(BreakGlass.objects.get().reviewed_at)

    def test_the_dpo_reads_the_queue(self):
        response = self.call("get", f"{API}/break-glass", user=self.dpo)
        self.assertEqual(response.status_code, 200)
        [use] = response.json()["results"]
        self.assertEqual(
            (use["user"], use["person"]["handle"], use["reason"], use["reviewed_at"]),
            ("colleague@a.test", self.person.handle, "A crisis call about Pat tonight.", None),
        )
        listed = events("case.break_glass.listed", actor=self.dpo).get()
        self.assertEqual(listed.subject, str(self.person.uuid))
        response = self.call("get", f"{API}/break-glass?reviewed=true")
        self.assertEqual(response.json()["results"], [])

    def test_nobody_else_reads_or_reviews(self):
        for user in (self.officer, self.colleague, self.admin, self.partner_b):
            with self.subTest(user=user.email):
                self.assertEqual(self.call("get", f"{API}/break-glass", user=user).status_code, 403)
                response = self.call("post", self.url(), {"justified": True})
                self.assertEqual(response.status_code, 403)
        self.assertIsNone(BreakGlass.objects.get().reviewed_at)
        self.assertFalse(events("case.break_glass.listed") or events("case.break_glass.viewed"))

    def test_the_dpo_reviews_a_use_once(self):
        body = {"justified": False, "note": "No emergency in the file."}
        response = self.call("post", self.url(), body, user=self.dpo)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            (response.json()["justified"], response.json()["reviewed_by"]), (False, "dpo@a.test")
        )
        reviewed = events("case.break_glass.reviewed", actor=self.dpo).get()
        self.assertEqual(reviewed.subject, str(self.person.uuid))
        self.assertEqual(self.call("post", self.url(), {"justified": True}).status_code, 403)
        self.assertFalse(BreakGlass.objects.get().justified)

    def test_another_organisations_use_is_a_404(self):
        elsewhere = services.break_glass(
            self.file_b,
            "A crisis call about Pat tonight.",
            actor=make_user("other@b.test", self.org_b, Role.PARTNER_PROFESSIONAL),
        )
        response = self.call("post", self.url(elsewhere), {"justified": True}, user=self.dpo)
        self.assertEqual(response.status_code, 404)

    def test_bad_input_changes_nothing(self):
        self.login(self.dpo)
        response = self.call("post", self.url(), {"justified": True, "note": "x" * 301})
        self.assertEqual(response.status_code, 400)
        self.assertIn("note", response.json()["errors"])
        self.assertEqual(self.call("post", self.url(), {"note": "Fine"}).status_code, 422)
        self.assertIsNone(BreakGlass.objects.get().reviewed_at)
        self.assertFalse(events("case.break_glass.reviewed"))


class SentReferralsTest(MoreApiCase):
    def test_anonymous_callers_are_refused(self):
        self.assertEqual(self.call("get", f"{API}/referrals/sent").status_code, 401)

    def test_the_author_sees_the_status_only(self):
        response = self.call("get", f"{API}/referrals/sent", user=self.partner_b)
        self.assertEqual(response.status_code, 200)
        [sent] = response.json()["results"]
        self.assertEqual(
            (sent["id"], sent["handle"], sent["minor"], sent["organisation"], sent["status"]),
            (str(self.referral.uuid), self.minor.handle, True, "agency-a", "received"),
        )
        self.assertNotIn("Worrying posts", response.content.decode())
        self.assertNotIn("Maya", response.content.decode())
        listed = events("case.referral.listed", actor=self.partner_b).get()
        self.assertEqual((listed.subject, listed.via), (str(self.minor.uuid), "api"))

    def test_others_see_none_of_it(self):
        for user in (self.officer, self.partner, self.dpo):
            with self.subTest(user=user.email):
                response = self.call("get", f"{API}/referrals/sent", user=user)
                self.assertEqual(response.json()["results"], [])
