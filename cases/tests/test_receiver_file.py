"""A receiving service opens its own file on the person of an accepted referral to one of
its services: a new person record holding only what was sent, linked to the sender's so
that what partners share about the person still reaches both files.

Agency A's partner Paula refers Pat to the youth service of agency C, which has never
worked with Pat, sending the fields she chooses; C's case worker Chloé answers and opens
C's file. (Agency B of the personas already keeps a file on Pat's own record.)
"""

from __future__ import annotations

import datetime
import json

from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.services import create_api_token
from audit.models import AuditEvent
from cases import access, services
from cases.models import CaseFile, Contribution, Person, ServiceReferral, TeamMember
from cases.tests.base import CasePersonas, make_file, make_person
from core.testing import TOTP_SECRET, make_org, make_service, make_user
from platforms.models import Platform
from retention.purge import _pass_on_links, remove_files

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
        TOTP.activate(cls.admin, TOTP_SECRET)  # so that pages answer rather than ask for one
        cls.org_c = make_org("agency-c", "Agency C")
        cls.service_c = make_service(cls.org_c, "Youth counselling", is_public=False)
        cls.worker_c = make_user("worker@c.test", cls.org_c, Role.PARTNER_PROFESSIONAL, mfa=True)
        cls.other_c = make_user("other@c.test", cls.org_c, Role.PARTNER_PROFESSIONAL, mfa=True)
        cls.dpo_c = make_user("dpo@c.test", cls.org_c, Role.DPO, mfa=True)

    def refer(self, fields=("name", "languages"), accept=True, file=None, service=None):
        file = file or self.file
        referral = services.refer_to_service(
            file,
            service or self.service_c,
            fields=list(fields),
            message="Please call the mother.",
            legal_basis="consent",
            consent_reference="Signed form of 3 March",
            guardian="informed" if file.person.is_minor else "",
            actor=file.manager,
        )
        if accept:
            answering = self.worker_c if service is None else self.colleague
            referral = services.answer_service_referral(referral, "accepted", "", actor=answering)
        return referral

    def open_c(self, **refer) -> CaseFile:
        return services.open_file_from_service_referral(self.refer(**refer), actor=self.worker_c)

    def contribute(self, file, author, recipients, text, **extra) -> Contribution:
        data = {"kind": "summary", "text": text, **BASIS}
        return services.contribute(file, data, recipients, actor=author, **extra)

    def open_url(self, referral) -> str:
        return reverse("cases:incoming_open_file", args=[referral.uuid])

    def api_url(self, referral) -> str:
        return f"/api/v1/cases/incoming/{referral.uuid}/file"


class OpenFileServiceTest(ReceiverFileCase):
    def test_the_new_record_holds_only_what_was_sent(self):
        referral = self.refer(fields=["name", "languages"])
        file = services.open_file_from_service_referral(referral, actor=self.worker_c)

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
        self.assertIsNone(person.minor_until)
        self.assertEqual((file.organisation, file.manager), (self.org_c, self.worker_c))
        self.assertTrue(
            TeamMember.objects.filter(file=file, user=self.worker_c, role="manager").exists()
        )
        referral.refresh_from_db()
        self.assertEqual(referral.receiver_file, file)

    def test_a_name_not_sent_stays_unknown(self):
        file = self.open_c(fields=["municipality"])
        self.assertEqual(file.person.full_name, "")
        self.assertEqual(file.person.municipality, "Namur")

    def test_a_minor_is_flagged_without_the_date_of_birth_until_they_come_of_age(self):
        born = timezone.localdate().replace(year=timezone.localdate().year - 15, month=1, day=1)
        minor = make_person("Maya Minor", born)
        minor_file = make_file(minor, self.org_a, self.officer, self.partner)
        person = self.open_c(fields=["name"], file=minor_file).person
        self.assertIsNone(person.date_of_birth)
        self.assertTrue(person.is_minor)
        # not their 18th birthday, which would give the date of birth away when the flag goes
        self.assertEqual(person.minor_until, datetime.date(born.year + 18, 1, 1))
        person.minor_until = timezone.localdate()
        self.assertFalse(person.is_minor)
        person.minor_until = timezone.localdate() + datetime.timedelta(days=1)
        self.assertTrue(person.is_minor)

        sent_birth = self.open_c(fields=["date_of_birth"], file=minor_file).person
        self.assertEqual(sent_birth.date_of_birth, born)
        self.assertIsNone(sent_birth.minor_until)
        self.assertTrue(sent_birth.is_minor)

    def test_the_flag_ends_on_the_new_year_after_the_18th_birthday(self):
        leap = make_person("Leap Year", datetime.date(2008, 2, 29))
        self.assertEqual(leap.comes_of_age_on, datetime.date(2026, 3, 1))
        self.assertEqual(services._new_year_after(leap.comes_of_age_on), datetime.date(2027, 1, 1))
        first = datetime.date(2027, 1, 1)
        self.assertEqual(services._new_year_after(first), first)  # already rounded: kept

    def test_it_is_refused_before_acceptance_twice_and_to_others(self):
        waiting = self.refer(accept=False)
        with self.assertRaises(ValidationError):
            services.open_file_from_service_referral(waiting, actor=self.worker_c)
        referral = self.refer()
        for outsider in (self.partner, self.partner_b):
            with self.assertRaises(ValidationError):
                services.open_file_from_service_referral(referral, actor=outsider)
        services.open_file_from_service_referral(referral, actor=self.worker_c)
        persons = Person.objects.count()
        with self.assertRaises(ValidationError):
            services.open_file_from_service_referral(referral, actor=self.other_c)
        self.assertEqual(Person.objects.count(), persons)

    def test_it_writes_its_audit_rows_about_each_record(self):
        referral = self.refer()
        file = services.open_file_from_service_referral(referral, actor=self.worker_c)
        mine = {"actor": self.worker_c}
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
        for user in (self.partner, self.officer, self.partner_b, self.admin, self.dpo_c):
            self.login(user)
            self.assertEqual(self.client.post(self.open_url(referral)).status_code, 404, user)
        self.assertIsNone(ServiceReferral.objects.get(pk=referral.pk).receiver_file)

    def test_only_a_post_opens_it(self):
        self.login(self.worker_c)
        self.assertEqual(self.client.get(self.open_url(self.refer())).status_code, 405)

    def test_the_service_opens_its_file_and_is_taken_there(self):
        referral = self.refer()
        self.login(self.worker_c)
        page = self.client.get(reverse("cases:incoming", args=[referral.uuid]))
        self.assertContains(page, self.open_url(referral))

        response = self.client.post(self.open_url(referral))
        file = ServiceReferral.objects.get(pk=referral.pk).receiver_file
        self.assertRedirects(response, reverse("cases:file", args=[file.uuid]))
        detail = self.client.get(reverse("cases:file", args=[file.uuid]))
        self.assertContains(detail, file.person.handle)
        self.assertContains(detail, "Pat Example")
        for kept_back in (self.person.handle, "1990", "12345", "Namur"):
            self.assertNotContains(detail, kept_back)
        self.assertNotContains(detail, reverse("cases:reveal", args=[file.uuid]))
        self.assertTrue(
            AuditEvent.objects.filter(
                action="case.file.viewed", actor=self.worker_c, subject=str(file.person.uuid)
            ).exists()
        )

        page = self.client.get(reverse("cases:incoming", args=[referral.uuid]))
        self.assertNotContains(page, self.open_url(referral))
        self.assertContains(page, reverse("cases:file", args=[file.uuid]))

    def test_before_acceptance_it_says_why_and_changes_nothing(self):
        referral = self.refer(accept=False)
        self.login(self.worker_c)
        page = self.client.get(reverse("cases:incoming", args=[referral.uuid]))
        self.assertNotContains(page, self.open_url(referral))
        response = self.client.post(self.open_url(referral), follow=True)
        self.assertContains(response, "Accept the referral before opening a file")
        self.assertFalse(CaseFile.objects.filter(organisation=self.org_c).exists())

    def test_it_is_said_in_the_users_language(self):
        referral = self.refer(accept=False)
        self.worker_c.language = "fr"
        self.worker_c.save()
        self.login(self.worker_c)
        response = self.client.post(self.open_url(referral), follow=True)
        self.assertContains(response, "Acceptez l&#x27;orientation avant")

    def test_the_list_of_the_new_files_does_not_grow_in_queries(self):
        self.open_c(fields=["name"])
        self.login(self.worker_c)
        self.client.get(reverse("cases:files"))
        with CaptureQueriesContext(connection) as one:
            self.client.get(reverse("cases:files"))
        for _ in range(3):
            self.open_c(fields=["municipality"])
        with CaptureQueriesContext(connection) as four:
            response = self.client.get(reverse("cases:files"))
        self.assertEqual(len(response.context["rows"]), 4)
        self.assertEqual(len(one), len(four))


class OpenFileApiTest(ReceiverFileCase):
    def test_the_service_opens_it_through_the_api(self):
        referral = self.refer(fields=["name"])
        self.login(self.worker_c)
        response = self.client.post(self.api_url(referral))
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["my_role"], "manager")
        self.assertEqual(body["person"]["name"], "Pat Example")
        self.assertIsNone(body["person"]["age"])
        self.assertEqual(body["person"]["national_number"], "")
        self.assertNotIn(self.person.handle, json.dumps(body))
        incoming = self.client.get(f"/api/v1/cases/incoming/{referral.uuid}").json()
        self.assertEqual(incoming["own_file"], body["id"])
        listed = self.client.get("/api/v1/cases/incoming").json()["results"]
        self.assertEqual(listed[0]["own_file"], body["id"])

        again = self.client.post(self.api_url(referral))
        self.assertEqual(again.status_code, 400)
        self.assertEqual(CaseFile.objects.filter(organisation=self.org_c).count(), 1)

    def test_the_sender_sees_no_trace_of_it_in_the_api(self):
        referral = self.refer()
        services.open_file_from_service_referral(referral, actor=self.worker_c)
        file_c = ServiceReferral.objects.get(pk=referral.pk).receiver_file
        self.login(self.partner)
        sent = self.client.get(f"/api/v1/cases/files/{self.file.uuid}/service-referrals")
        self.assertEqual(sent.status_code, 200)
        self.assertIn(str(referral.uuid), sent.content.decode())
        for trace in (str(file_c.uuid), file_c.person.handle, "own_file"):
            self.assertNotIn(trace, sent.content.decode())

    def test_outside_the_receiving_organisation_it_is_a_404(self):
        referral = self.refer()
        for user in (self.partner, self.partner_b):
            self.login(user)
            self.assertEqual(self.client.post(self.api_url(referral)).status_code, 404)
        self.assertIsNone(ServiceReferral.objects.get(pk=referral.pk).receiver_file)

    def test_a_read_only_token_or_none_cannot_open_it(self):
        referral = self.refer()
        _token, secret = create_api_token(self.worker_c, name="r", scope="read")
        response = self.client.post(self.api_url(referral), HTTP_AUTHORIZATION=f"Bearer {secret}")
        self.assertEqual(response.status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.post(self.api_url(referral)).status_code, 401)
        self.assertIsNone(ServiceReferral.objects.get(pk=referral.pk).receiver_file)


class LinkedRecordsTest(ReceiverFileCase):
    """What partners address to each other about the person crosses between the linked
    records' files; nothing else does. Each DPO finds their organisation's part."""

    def test_items_addressed_to_the_other_organisation_cross(self):
        file_c = self.open_c()
        to_c = self.contribute(self.file, self.officer, [self.org_c], "Pat started a course.")
        to_a = self.contribute(file_c, self.worker_c, [self.org_a], "Pat came to two sessions.")

        self.assertIn(to_c, access.visible_contributions(self.worker_c, file_c))
        self.assertIn(to_a, access.visible_contributions(self.officer, self.file))
        self.login(self.worker_c)
        page = self.client.get(reverse("cases:shared", args=[file_c.uuid]))
        self.assertContains(page, "Pat started a course.")
        self.login(self.officer)
        page = self.client.get(reverse("cases:shared", args=[self.file.uuid]))
        self.assertContains(page, "Pat came to two sessions.")
        self.assertNotContains(page, file_c.person.handle)

    def test_nothing_else_crosses(self):
        file_c = self.open_c()
        cell = Platform.objects.create(
            key="livc-test", name={"en": "LIVC-R Test"}, kind="livc_r", coordinator=self.org_a
        )
        kept = [
            self.contribute(self.file, self.officer, [self.org_b], "For B only."),
            self.contribute(self.file, self.officer, [], "For the cell only.", to_livc=cell),
        ]
        withdrawn = self.contribute(self.file, self.officer, [self.org_c], "Taken back.")
        services.withdraw_contribution(withdrawn, "Sent by mistake", actor=self.officer)
        to_b = self.contribute(file_c, self.worker_c, [self.org_b], "For B only.")
        seen_by_c = set(access.visible_contributions(self.worker_c, file_c))
        self.assertEqual(seen_by_c & {*kept, withdrawn}, set())
        self.assertNotIn(to_b, access.visible_contributions(self.officer, self.file))

    def test_two_files_of_one_organisation_do_not_share_their_items(self):
        # A refers to a service of its own; a colleague off Pat's team opens A's second file
        service_a = make_service(self.org_a, "Family support", is_public=False)
        mine = self.contribute(self.file, self.officer, [self.org_b], "Pat started a course.")
        referral = self.refer(service=service_a)
        second = services.open_file_from_service_referral(referral, actor=self.colleague)
        self.assertEqual(second.organisation, self.org_a)
        self.assertNotIn(mine, access.visible_contributions(self.colleague, second))
        self.assertIn(mine, access.visible_contributions(self.officer, self.file))

    def test_an_unrelated_record_shares_nothing(self):
        other = make_person("Pat Example", datetime.date(1990, 5, 17))
        other_file = make_file(other, self.org_c, self.worker_c)
        to_c = self.contribute(self.file, self.officer, [self.org_c], "Pat started a course.")
        self.assertNotIn(to_c, access.visible_contributions(self.worker_c, other_file))

    def test_the_receiving_dpo_finds_the_referral_and_their_own_reads(self):
        referral = self.refer()
        self.login(self.worker_c)
        self.client.get(reverse("cases:incoming", args=[referral.uuid]))
        file_c = services.open_file_from_service_referral(referral, actor=self.worker_c)
        self.login(self.dpo_c)
        page = self.client.get(reverse("cases:disclosures", args=[file_c.person.uuid]))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Youth counselling")
        actions = {e.action for e in access.disclosure_events(self.dpo_c, file_c.person)}
        self.assertIn("case.service_referral.viewed", actions)  # recorded under A's record
        self.assertIn("case.file.created", actions)
        api = self.client.get(f"/api/v1/cases/persons/{file_c.person.uuid}/disclosures")
        self.assertEqual(api.status_code, 200, api.content)
        self.assertIn(str(referral.uuid), json.dumps(api.json()))
        # the sender's record is not theirs to open, nor A's own work on it
        self.assertEqual(
            self.client.get(reverse("cases:disclosures", args=[self.person.uuid])).status_code,
            404,
        )
        events = access.disclosure_events(self.dpo_c, file_c.person)
        self.assertFalse(events.filter(actor__organisation=self.org_a).exists())
        # nor does A's DPO see C's work on the person
        events = access.disclosure_events(self.dpo, self.person)
        self.assertTrue(events.filter(actor=self.officer).exists())  # the referral it sent
        self.assertFalse(events.filter(actor__organisation=self.org_c).exists())

    def test_when_the_first_record_goes_the_others_stay_linked_to_each_other(self):
        first_c = self.open_c()
        second_c = self.open_c(fields=["municipality"])
        self.contribute(first_c, self.worker_c, [self.org_a], "Pat came to two sessions.")
        remove_files([self.file.pk, self.file_b.pk], set())
        self.assertFalse(Person.objects.filter(pk=self.person.pk).exists())
        first_c.person.refresh_from_db()
        second_c.person.refresh_from_db()
        self.assertIsNone(first_c.person.same_as)
        self.assertEqual(second_c.person.same_as, first_c.person)
        self.assertEqual(Contribution.objects.filter(file=first_c).count(), 1)
        self.assertIsNone(ServiceReferral.objects.filter(receiver_file=first_c).first())

    def test_links_are_passed_on_per_first_record_and_never_to_a_removed_one(self):
        first_c = self.open_c().person
        gone = self.open_c(fields=["municipality"]).person
        kept = self.open_c(fields=["languages"]).person
        other = make_person("Quinn Sample", datetime.date(1985, 3, 3))
        other_file = make_file(other, self.org_a, self.officer)
        other_c = self.open_c(file=other_file).person
        other_c2 = self.open_c(file=other_file, fields=["municipality"]).person
        _pass_on_links([self.person.pk, gone.pk, other.pk])
        for record in (first_c, gone, kept, other_c, other_c2):
            record.refresh_from_db()
        self.assertEqual(kept.same_as, first_c)
        self.assertEqual(other_c2.same_as, other_c)
        self.assertEqual(first_c.same_as, self.person)  # cleared with the removal itself
