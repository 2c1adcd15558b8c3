"""A receiving service opens its own file on the person of an accepted referral to one of
its services: a new person record holding only what was sent, linked to the sender's so
that what partners share about the person still reaches both files.

Agency A's partner Paula refers Pat to B's counselling service, sending the fields chosen;
B's partner professional Bert answers and opens B's file.
"""

from __future__ import annotations

import datetime
import json

from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.roles import Role
from accounts.services import create_api_token
from audit.models import AuditEvent
from cases import access, services
from cases.models import CaseFile, Contribution, Person, ServiceReferral, TeamMember
from cases.tests.base import CasePersonas, make_person
from core.testing import TOTP_SECRET, make_user
from retention.purge import remove_files

BASIS = {
    "purpose": "Coordinate the guidance",
    "legal_basis": "case_consultation",
    "consent_reference": "",
    "consent_expires_on": None,
    "guardian": "",
}


class ReceiverFileCase(CasePersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dpo_b = make_user("dpo@b.test", cls.org_b, Role.DPO, mfa=True)
        TOTP.activate(cls.admin, TOTP_SECRET)  # so that pages answer rather than ask for one

    def refer(self, fields=("name", "languages"), accept=True, file=None) -> ServiceReferral:
        referral = services.refer_to_service(
            file or self.file,
            self.private_service_b,
            fields=list(fields),
            message="Please call the mother.",
            legal_basis="consent",
            consent_reference="Signed form of 3 March",
            guardian="informed" if (file or self.file).person.is_minor else "",
            actor=self.partner,
        )
        if accept:
            referral = services.answer_service_referral(
                referral, "accepted", "", actor=self.partner_b
            )
        return referral

    def open_url(self, referral) -> str:
        return reverse("cases:incoming_open_file", args=[referral.uuid])

    def api_url(self, referral) -> str:
        return f"/api/v1/cases/incoming/{referral.uuid}/file"


class OpenFileServiceTest(ReceiverFileCase):
    def test_the_new_record_holds_only_what_was_sent(self):
        referral = self.refer(fields=["name", "languages"])
        file = services.open_file_from_service_referral(referral, actor=self.partner_b)

        person = file.person
        self.assertNotEqual(person.pk, self.person.pk)
        self.assertEqual(person.full_name, "Pat Example")
        self.assertEqual(person.languages, ["fr"])
        self.assertIsNone(person.date_of_birth)
        self.assertEqual(person.municipality, "")
        self.assertEqual(person.national_number, "")
        self.assertNotEqual(person.handle, self.person.handle)
        self.assertEqual(person.same_as, self.person)
        self.assertFalse(person.is_minor)
        self.assertEqual((file.organisation, file.manager), (self.org_b, self.partner_b))
        self.assertTrue(
            TeamMember.objects.filter(file=file, user=self.partner_b, role="manager").exists()
        )
        referral.refresh_from_db()
        self.assertEqual(referral.receiver_file, file)

    def test_a_name_not_sent_stays_unknown(self):
        referral = self.refer(fields=["municipality"])
        file = services.open_file_from_service_referral(referral, actor=self.partner_b)
        self.assertEqual(file.person.full_name, "")
        self.assertEqual(file.person.municipality, "Namur")

    def test_a_minor_stays_flagged_without_the_date_of_birth(self):
        minor = make_person("Maya Minor", datetime.date(2012, 1, 1))
        minor_file = CaseFile.objects.create(
            person=minor, organisation=self.org_a, manager=self.officer
        )
        TeamMember.objects.create(file=minor_file, user=self.partner, role="member")
        referral = self.refer(fields=["name"], file=minor_file)
        person = services.open_file_from_service_referral(referral, actor=self.partner_b).person
        self.assertIsNone(person.date_of_birth)
        self.assertTrue(person.is_minor)

        sent_birth = self.refer(fields=["date_of_birth"], file=minor_file)
        person = services.open_file_from_service_referral(sent_birth, actor=self.partner_b).person
        self.assertEqual(person.date_of_birth, datetime.date(2012, 1, 1))
        self.assertFalse(person.minor_without_birth_date)
        self.assertTrue(person.is_minor)

    def test_it_is_refused_before_acceptance_twice_and_to_others(self):
        waiting = self.refer(accept=False)
        with self.assertRaises(ValidationError):
            services.open_file_from_service_referral(waiting, actor=self.partner_b)
        referral = self.refer()
        with self.assertRaises(ValidationError):  # the sender's side
            services.open_file_from_service_referral(referral, actor=self.partner)
        services.open_file_from_service_referral(referral, actor=self.partner_b)
        persons = Person.objects.count()
        with self.assertRaises(ValidationError):
            services.open_file_from_service_referral(referral, actor=self.partner_b)
        self.assertEqual(Person.objects.count(), persons)

    def test_it_writes_its_audit_rows_about_each_record(self):
        referral = self.refer()
        file = services.open_file_from_service_referral(referral, actor=self.partner_b)
        mine = {"actor": self.partner_b}
        self.assertTrue(
            AuditEvent.objects.filter(
                action="case.file.created", subject=str(file.person.uuid), **mine
            ).exists()
        )
        self.assertTrue(
            AuditEvent.objects.filter(
                action="case.service_referral.file_opened",
                subject=str(self.person.uuid),
                target_id=str(referral.pk),
                **mine,
            ).exists()
        )
        self.assertFalse(AuditEvent.objects.filter(changes__icontains="Pat Example").exists())


class OpenFileViewTest(ReceiverFileCase):
    def test_anonymous_visitors_are_sent_to_log_in(self):
        response = self.client.post(self.open_url(self.refer()))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login", response["Location"])

    def test_it_is_a_404_outside_the_receiving_organisation(self):
        referral = self.refer()
        for user in (self.partner, self.officer, self.colleague, self.admin, self.reader):
            self.login(user)
            self.assertEqual(self.client.post(self.open_url(referral)).status_code, 404, user)
        self.assertIsNone(ServiceReferral.objects.get(pk=referral.pk).receiver_file)

    def test_only_a_post_opens_it(self):
        self.login(self.partner_b)
        self.assertEqual(self.client.get(self.open_url(self.refer())).status_code, 405)

    def test_the_service_opens_its_file_and_is_taken_there(self):
        referral = self.refer()
        self.login(self.partner_b)
        page = self.client.get(reverse("cases:incoming", args=[referral.uuid]))
        self.assertContains(page, self.open_url(referral))

        response = self.client.post(self.open_url(referral))
        file = ServiceReferral.objects.get(pk=referral.pk).receiver_file
        self.assertRedirects(response, reverse("cases:file", args=[file.uuid]))
        detail = self.client.get(reverse("cases:file", args=[file.uuid]))
        self.assertContains(detail, file.person.handle)
        self.assertContains(detail, "Pat Example")
        self.assertNotContains(detail, "1990")
        self.assertNotContains(detail, "12345")  # no national number to reveal
        self.assertNotContains(detail, reverse("cases:reveal", args=[file.uuid]))

        page = self.client.get(reverse("cases:incoming", args=[referral.uuid]))
        self.assertNotContains(page, self.open_url(referral))
        self.assertContains(page, reverse("cases:file", args=[file.uuid]))

    def test_before_acceptance_it_says_why_and_changes_nothing(self):
        referral = self.refer(accept=False)
        self.login(self.partner_b)
        page = self.client.get(reverse("cases:incoming", args=[referral.uuid]))
        self.assertNotContains(page, self.open_url(referral))
        response = self.client.post(self.open_url(referral), follow=True)
        self.assertContains(response, "Accept the referral before opening a file")
        self.assertEqual(CaseFile.objects.filter(organisation=self.org_b).count(), 1)

    def test_the_sender_never_sees_the_receiving_file(self):
        referral = self.refer()
        file = services.open_file_from_service_referral(referral, actor=self.partner_b)
        self.login(self.partner)
        self.assertEqual(self.client.get(reverse("cases:file", args=[file.uuid])).status_code, 404)
        shared = self.client.get(reverse("cases:shared", args=[self.file.uuid]))
        self.assertNotContains(shared, file.person.handle)
        self.assertNotContains(shared, str(file.uuid))


class OpenFileApiTest(ReceiverFileCase):
    def test_the_service_opens_it_through_the_api(self):
        referral = self.refer(fields=["name"])
        self.login(self.partner_b)
        response = self.client.post(self.api_url(referral))
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["my_role"], "manager")
        self.assertEqual(body["person"]["name"], "Pat Example")
        self.assertIsNone(body["person"]["age"])
        self.assertEqual(body["person"]["national_number"], "")
        self.assertNotIn("90051712345", json.dumps(body))
        incoming = self.client.get(f"/api/v1/cases/incoming/{referral.uuid}").json()
        self.assertEqual(incoming["own_file"], body["id"])
        listed = self.client.get("/api/v1/cases/incoming").json()["results"]
        self.assertEqual(listed[0]["own_file"], body["id"])

        again = self.client.post(self.api_url(referral))
        self.assertEqual(again.status_code, 400)
        self.assertEqual(CaseFile.objects.filter(organisation=self.org_b).count(), 2)

    def test_outside_the_receiving_organisation_it_is_a_404(self):
        referral = self.refer()
        self.login(self.partner)
        self.assertEqual(self.client.post(self.api_url(referral)).status_code, 404)
        self.assertIsNone(ServiceReferral.objects.get(pk=referral.pk).receiver_file)

    def test_a_read_only_token_or_none_cannot_open_it(self):
        referral = self.refer()
        _token, secret = create_api_token(self.partner_b, name="r", scope="read")
        response = self.client.post(self.api_url(referral), HTTP_AUTHORIZATION=f"Bearer {secret}")
        self.assertEqual(response.status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.post(self.api_url(referral)).status_code, 401)
        self.assertIsNone(ServiceReferral.objects.get(pk=referral.pk).receiver_file)


class LinkedRecordsTest(ReceiverFileCase):
    """What partners share about the person reaches both records' files; each DPO finds
    their organisation's part."""

    def contribute(self, file, author, recipient, text) -> Contribution:
        data = {"kind": "summary", "text": text, **BASIS}
        return services.contribute(file, data, [recipient], actor=author)

    def test_shared_items_cross_between_the_linked_files(self):
        referral = self.refer()
        file_b = services.open_file_from_service_referral(referral, actor=self.partner_b)
        to_b = self.contribute(self.file, self.officer, self.org_b, "Pat started a course.")
        to_a = self.contribute(file_b, self.partner_b, self.org_a, "Pat came to two sessions.")

        self.assertIn(to_b, access.visible_contributions(self.partner_b, file_b))
        self.assertIn(to_a, access.visible_contributions(self.officer, self.file))
        self.assertIn(to_a, access.visible_contributions(self.partner_b, file_b))

        self.login(self.partner_b)
        page = self.client.get(reverse("cases:shared", args=[file_b.uuid]))
        self.assertContains(page, "Pat started a course.")
        self.login(self.officer)
        page = self.client.get(reverse("cases:shared", args=[self.file.uuid]))
        self.assertContains(page, "Pat came to two sessions.")

    def test_an_unrelated_record_shares_nothing(self):
        other = make_person("Pat Example", datetime.date(1990, 5, 17))
        other_file = CaseFile.objects.create(
            person=other, organisation=self.org_b, manager=self.partner_b
        )
        TeamMember.objects.create(file=other_file, user=self.partner_b, role="manager")
        to_b = self.contribute(self.file, self.officer, self.org_b, "Pat started a course.")
        self.assertNotIn(to_b, access.visible_contributions(self.partner_b, other_file))

    def test_the_receiving_dpo_finds_the_referral_under_their_record(self):
        referral = self.refer()
        file_b = services.open_file_from_service_referral(referral, actor=self.partner_b)
        self.login(self.dpo_b)
        url = reverse("cases:disclosures", args=[file_b.person.uuid])
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, str(self.private_service_b))
        api = self.client.get(f"/api/v1/cases/persons/{file_b.person.uuid}/disclosures")
        self.assertEqual(api.status_code, 200, api.content)
        self.assertIn(str(referral.uuid), json.dumps(api.json()))

    def test_removing_the_first_record_leaves_the_receiving_one_unlinked(self):
        referral = self.refer()
        file_b = services.open_file_from_service_referral(referral, actor=self.partner_b)
        self.contribute(file_b, self.partner_b, self.org_a, "Pat came to two sessions.")
        ServiceReferral.objects.filter(pk=referral.pk).delete()
        remove_files([self.file.pk, self.file_b.pk], set())
        self.assertFalse(Person.objects.filter(pk=self.person.pk).exists())
        file_b.person.refresh_from_db()
        self.assertIsNone(file_b.person.same_as)
        self.assertEqual(Contribution.objects.filter(file=file_b).count(), 1)
