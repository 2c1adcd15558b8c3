"""The protocol of cooperation: public text, signatories and commitments; yearly reviews for
professionals; who writes what; audit rows; the API."""

import datetime
import json

from django.urls import reverse
from django.utils import timezone

from accounts.services import create_api_token
from audit.models import AuditEvent
from core.testing import Personas
from network import services
from network.models import Commitment, Protocol, Review, Signatory


class ProtocolCase(Personas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.protocol = Protocol.objects.create(
            key="pact",
            title={"en": "Pact of agency A"},
            text={"en": "We cooperate."},
            coordinator=cls.org_a,
        )
        cls.sig_a = Signatory.objects.create(
            protocol=cls.protocol,
            organisation=cls.org_a,
            signed_on=datetime.date(2018, 3, 26),
            signed_by="Director A",
        )
        cls.sig_b = Signatory.objects.create(
            protocol=cls.protocol,
            organisation=cls.org_b,
            signed_on=datetime.date(2018, 4, 2),
            signed_by="Director B",
        )
        Commitment.objects.create(signatory=cls.sig_b, area="expertise", text="Share tools")
        Review.objects.create(signatory=cls.sig_b, year=2025, area="expertise", text="Two tools")

    def page(self, **params):
        return self.client.get(reverse("network:protocol", args=["pact"]), params)


class ProtocolPageTest(ProtocolCase):
    def test_the_public_reads_text_signatories_and_commitments_not_reviews(self):
        page = self.page()
        self.assertContains(page, "We cooperate.")
        self.assertContains(page, "Director B")
        self.assertContains(page, "Share tools")
        self.assertNotContains(page, "Two tools")
        self.assertNotContains(page, "Edit the commitments")

    def test_professionals_read_the_reviews_of_a_year(self):
        self.login(self.reader)
        self.assertContains(self.page(year=2025), "Two tools")
        self.assertNotContains(self.page(year=2024), "Two tools")
        self.assertEqual(self.page(year="nonsense").status_code, 200)

    def test_an_unknown_protocol_is_404(self):
        response = self.client.get(reverse("network:protocol", args=["nope"]))
        self.assertEqual(response.status_code, 404)

    def test_the_page_runs_a_constant_number_of_queries(self):
        self.login(self.reader)
        self.page()
        # session and user (7), roles and permissions (3), protocol, signatories, their
        # commitments, review years, reviews of the year, session save (3)
        with self.assertNumQueries(10):
            self.page()
        for n in range(5):
            org = services.upsert_organisation(key=f"extra-{n}", name={"en": f"Extra {n}"})
            sig = Signatory.objects.create(
                protocol=self.protocol, organisation=org, signed_on=datetime.date(2019, 1, 1)
            )
            Commitment.objects.create(signatory=sig, area="expertise", text="x")
            Review.objects.create(signatory=sig, year=timezone.localdate().year, area="expertise")
        with self.assertNumQueries(10):
            self.page()


class CommitmentsTest(ProtocolCase):
    def url(self, signatory):
        return reverse("network:commitments_edit", args=["pact", signatory.pk])

    def test_a_partners_editor_writes_its_commitments_with_an_audit_row(self):
        self.login(self.editor_a)
        self.assertContains(self.page(), "Edit the commitments")
        response = self.client.post(
            self.url(self.sig_a), {"staff_information": "Seminars for staff", "expertise": ""}
        )
        self.assertRedirects(response, reverse("network:protocol", args=["pact"]))
        self.assertEqual(self.sig_a.commitments.get().text, "Seminars for staff")
        event = AuditEvent.objects.get(action="protocol.commitments_changed")
        self.assertEqual(event.changes["staff_information"], [None, "Seminars for staff"])
        self.assertEqual(event.actor, self.editor_a)

    def test_who_may_write(self):
        self.assertEqual(self.client.get(self.url(self.sig_a)).status_code, 302)
        for user, signatory, status in [
            (self.reader, self.sig_a, 403),
            (self.editor_a, self.sig_b, 403),  # another partner's
            (self.coordinator, self.sig_b, 200),  # the coordinating organisation
            (self.coordinator_b, self.sig_a, 403),
        ]:
            self.login(user)
            self.assertEqual(self.client.get(self.url(signatory)).status_code, status, user)
        self.login(self.coordinator)
        missing = reverse("network:commitments_edit", args=["pact", 99999])
        self.assertEqual(self.client.get(missing).status_code, 404)

    def test_too_long_a_text_is_refused_and_nothing_changes(self):
        self.login(self.coordinator)
        response = self.client.post(self.url(self.sig_b), {"expertise": "x" * 4001})
        self.assertContains(response, "at most 4000 characters")
        self.assertEqual(self.sig_b.commitments.get().text, "Share tools")


class ReviewAndSignatureTest(ProtocolCase):
    def test_a_partner_writes_this_years_review(self):
        year = timezone.localdate().year
        self.login(self.editor_a)
        url = reverse("network:review_edit", args=["pact", self.sig_a.pk, year])
        self.client.post(url, {"individual_situations": "Followed three situations"})
        self.assertEqual(self.sig_a.reviews.get(year=year).written_by, self.editor_a)
        self.assertTrue(AuditEvent.objects.filter(action="protocol.reviewed").exists())
        future = reverse("network:review_edit", args=["pact", self.sig_a.pk, year + 1])
        self.assertEqual(self.client.get(future).status_code, 404)

    def test_the_coordinator_records_a_signature(self):
        services.upsert_organisation(key="agency-c", name={"en": "Agency C"})
        url = reverse("network:signatory_add", args=["pact"])
        self.login(self.coordinator_b)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.login(self.coordinator)
        bad = self.client.post(url, {"organisation": "agency-b", "signed_on": "2020-01-01"})
        self.assertContains(bad, "already signed")
        self.assertContains(bad, "This field is required")
        self.client.post(
            url, {"organisation": "agency-c", "signed_on": "2020-01-01", "signed_by": "C"}
        )
        self.assertTrue(self.protocol.signatories.filter(organisation__key="agency-c").exists())
        self.assertEqual(AuditEvent.objects.get(action="protocol.signed").actor, self.coordinator)


class ProtocolApiTest(ProtocolCase):
    def send(self, method, url, body=None, user=None):
        headers = {}
        if user is not None:
            _token, secret = create_api_token(user, name="t", scope="read_write")
            headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        if body is None:
            return getattr(self.client, method)(url, **headers)
        return getattr(self.client, method)(
            url, data=json.dumps(body), content_type="application/json", **headers
        )

    def test_the_public_reads_the_protocol(self):
        body = self.client.get("/api/v1/protocols/pact").json()
        self.assertEqual(body["signatories"][1]["commitments"], {"expertise": "Share tools"})
        self.assertEqual(len(body["areas"]), 4)
        self.assertEqual(self.client.get("/api/v1/protocols/pact/reviews/2025").status_code, 401)

    def test_reviews_and_commitments_through_the_api(self):
        reviews = self.send("get", "/api/v1/protocols/pact/reviews/2025", user=self.reader)
        self.assertEqual(reviews.json()[0]["texts"], {"expertise": "Two tools"})
        url = "/api/v1/protocols/pact/signatories/agency-a/commitments"
        self.assertEqual(
            self.send("put", url, {"expertise": "X"}, user=self.reader).status_code, 403
        )
        done = self.send("put", url, {"expertise": "Our tools"}, user=self.editor_a)
        self.assertEqual(done.json()["commitments"], {"expertise": "Our tools"})
        year = timezone.localdate().year
        review_url = f"/api/v1/protocols/pact/signatories/agency-a/reviews/{year + 1}"
        self.assertEqual(self.send("put", review_url, {}, user=self.editor_a).status_code, 400)
        review_url = f"/api/v1/protocols/pact/signatories/agency-a/reviews/{year}"
        saved = self.send("put", review_url, {"expertise": "Did it"}, user=self.editor_a)
        self.assertEqual(saved.json()["texts"], {"expertise": "Did it"})

    def test_signatures_through_the_api(self):
        url = "/api/v1/protocols/pact/signatories"
        body = {"organisation": "agency-b", "signed_on": "2020-01-01", "signed_by": "B"}
        self.assertEqual(self.send("post", url, body, user=self.coordinator_b).status_code, 403)
        self.assertEqual(self.send("post", url, body, user=self.coordinator).status_code, 400)
