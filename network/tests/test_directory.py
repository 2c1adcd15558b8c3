"""The directory's pages: search and filters, public and private entries, editing by the
organisation's own editors with its audit trail, freshness."""

import datetime

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.testing import Personas, make_service
from network.models import Organisation, Service


class DirectorySearchTest(Personas):
    url = "/directory/"

    def test_the_public_sees_public_services_only(self):
        page = self.client.get(self.url)
        self.assertContains(page, "Listening line")
        self.assertNotContains(page, "Counselling address")

    def test_professionals_see_services_not_listed_publicly(self):
        self.login(self.reader)
        page = self.client.get(self.url)
        self.assertContains(page, "Counselling address")
        self.assertContains(page, "Not public")

    def test_it_filters_by_language_municipality_and_target_group(self):
        make_service(self.org_b, "Parents' help desk", target_groups=["parents"], areas=["Liège"])
        self.assertContains(self.client.get(self.url, {"language": "nl"}), "Listening line")
        self.assertNotContains(self.client.get(self.url, {"language": "de"}), "Listening line")
        by_area = self.client.get(self.url, {"municipality": "liège"})
        self.assertContains(by_area, "Parents&#x27; help desk")
        self.assertNotContains(by_area, "Listening line")
        by_target = self.client.get(self.url, {"target": "parents"})
        self.assertContains(by_target, "Parents&#x27; help desk")
        self.assertNotContains(by_target, "Listening line")

    def test_it_searches_organisations(self):
        page = self.client.get(self.url, {"kind": "organisations", "q": "agency b"})
        self.assertContains(page, "Agency B")
        self.assertNotContains(page, "Agency A")

    def test_a_bad_filter_is_explained_not_a_500(self):
        page = self.client.get(self.url, {"sector": "nonsense", "page": "-3"})
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Select a valid choice")

    def test_htmx_gets_the_results_only(self):
        page = self.client.get(self.url, {"q": "listening"}, HTTP_HX_REQUEST="true")
        self.assertContains(page, "Listening line")
        self.assertNotContains(page, "<html")

    def test_the_list_runs_a_constant_number_of_queries(self):
        self.client.get(self.url)
        with self.assertNumQueries(2):  # count, page
            self.client.get(self.url)
        for n in range(30):
            make_service(self.org_a, f"Service {n}")
        with self.assertNumQueries(2):
            self.client.get(self.url)
        with self.assertNumQueries(2):
            self.client.get(self.url, {"kind": "organisations"})


class OrganisationPageTest(Personas):
    def test_it_lists_the_measures_the_organisation_takes_part_in(self):
        page = self.client.get(reverse("network:organisation", args=["agency-a"]))
        self.assertContains(page, "Item 1.1")
        self.assertContains(page, reverse("plans:measure", args=["plan-a", "1.1"]))

    def test_the_public_does_not_see_an_organisation_not_listed(self):
        Organisation.objects.filter(pk=self.org_b.pk).update(is_public=False)
        url = reverse("network:organisation", args=["agency-b"])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.reader)
        self.assertEqual(self.client.get(url).status_code, 200)

    def test_an_old_entry_is_flagged(self):
        url = reverse("network:organisation", args=["agency-a"])
        self.assertContains(self.client.get(url), "Never verified.")
        Organisation.objects.filter(pk=self.org_a.pk).update(
            verified_at=timezone.now() - datetime.timedelta(days=400)
        )
        self.assertContains(self.client.get(url), "This entry may be out of date.")
        with override_settings(NETWORK_VERIFY_AFTER_DAYS=500):
            self.assertNotContains(self.client.get(url), "This entry may be out of date.")


class EditingTest(Personas):
    def edit_url(self, key="agency-a"):
        return reverse("network:organisation_edit", args=[key])

    def form_data(self, **changes):
        data = {
            "name_nl": "Agentschap A",
            "name_en": "Agency A",
            "sector": "welfare",
            "level": "public_agency",
            "kbo_number": "0207.373.429",
            "street": "Rue de Fer 42",
            "postcode": "5000",
            "municipality": "Namur",
            "website": "https://a.example.be",
            "email": "info@a.example.be",
            "phone": "+32 81 24 60 00",
            "languages": ["fr", "nl"],
            "is_public": "on",
        }
        data.update(changes)
        return data

    def test_an_editor_saves_their_organisation_with_an_audit_row(self):
        self.login(self.editor_a)
        response = self.client.post(self.edit_url(), self.form_data())
        self.assertRedirects(response, reverse("network:organisation", args=["agency-a"]))
        org = Organisation.objects.get(pk=self.org_a.pk)
        self.assertEqual(org.municipality, "Namur")
        self.assertEqual(org.kbo_number, "0207.373.429")
        self.assertEqual(org.verified_by, self.editor_a)
        event = AuditEvent.objects.get(action="organisation.updated", target_id=str(org.pk))
        self.assertEqual(event.actor, self.editor_a)
        self.assertEqual(event.changes["municipality"], ["", "Namur"])
        self.assertTrue(AuditEvent.objects.filter(action="organisation.verified").exists())

    def test_bad_input_is_explained_and_changes_nothing(self):
        self.login(self.editor_a)
        for field, value, message in [
            ("kbo_number", "0207.373.428", "check digits are wrong"),
            ("postcode", "50000", "four digits"),
            ("website", "not a url", "Enter a valid URL"),
            ("name_en", "", "Fill in at least one language"),
        ]:
            with self.subTest(field=field):
                data = self.form_data(**{field: value})
                if field == "name_en":
                    data["name_nl"] = ""
                response = self.client.post(self.edit_url(), data)
                self.assertContains(response, message)
        self.assertEqual(Organisation.objects.get(pk=self.org_a.pk).municipality, "")
        self.assertFalse(AuditEvent.objects.filter(action__startswith="organisation.").exists())

    def test_an_editor_cannot_edit_another_organisation(self):
        self.login(self.editor_a)
        self.assertEqual(self.client.get(self.edit_url("agency-b")).status_code, 403)
        response = self.client.post(self.edit_url("agency-b"), self.form_data())
        self.assertEqual(response.status_code, 403)

    def test_an_editor_verifies_an_entry(self):
        self.login(self.editor_a)
        url = reverse("network:service_verify", args=[self.service_a.uuid])
        self.client.post(url)
        self.service_a.refresh_from_db()
        self.assertEqual(self.service_a.verified_by, self.editor_a)
        self.assertFalse(self.service_a.is_stale)
        self.assertTrue(
            AuditEvent.objects.filter(
                action="service.verified", target_id=str(self.service_a.pk)
            ).exists()
        )

    def test_an_editor_adds_a_service_with_opening_hours(self):
        self.login(self.editor_a)
        data = {
            "name_fr": "Écoute parents",
            "status": "active",
            "intake": "waiting_list",
            "waiting_weeks": "3",
            "target_groups": ["parents"],
            "areas": "Namur, Jambes",
            "is_public": "on",
            "slots-TOTAL_FORMS": "2",
            "slots-INITIAL_FORMS": "0",
            "slots-0-weekday": "MO",
            "slots-0-opens_at": "09:00",
            "slots-0-closes_at": "12:00",
            "slots-1-weekday": "",
        }
        url = reverse("network:service_create", args=["agency-a"])
        response = self.client.post(url, data)
        service = Service.objects.get(name__fr="Écoute parents")
        self.assertRedirects(response, reverse("network:service", args=[service.uuid]))
        self.assertEqual(service.areas, ["Jambes", "Namur"])
        self.assertEqual([str(s) for s in service.slots.all()], ["Monday 09:00–12:00"])
        self.assertTrue(AuditEvent.objects.filter(action="service.created").exists())
        page = self.client.get(reverse("network:service", args=[service.uuid]))
        self.assertContains(page, "about 3 weeks of waiting")

    def test_a_slot_that_closes_before_it_opens_is_refused(self):
        self.login(self.editor_a)
        data = {
            "name_fr": "Écoute",
            "status": "active",
            "intake": "open",
            "slots-TOTAL_FORMS": "1",
            "slots-INITIAL_FORMS": "0",
            "slots-0-weekday": "TU",
            "slots-0-opens_at": "17:00",
            "slots-0-closes_at": "09:00",
        }
        response = self.client.post(reverse("network:service_create", args=["agency-a"]), data)
        self.assertContains(response, "closing time must come after")
        self.assertFalse(Service.objects.filter(name__fr="Écoute").exists())


class ReviewFixesTest(Personas):
    def test_the_public_does_not_see_a_parent_not_listed(self):
        Organisation.objects.filter(pk=self.org_b.pk).update(is_public=False)
        Organisation.objects.filter(pk=self.org_a.pk).update(parent=self.org_b)
        page = self.client.get(reverse("network:organisation", args=["agency-a"]))
        self.assertNotContains(page, "agency-b")
        self.assertIsNone(self.client.get("/api/v1/organisations/agency-a").json()["parent"])
        self.login(self.reader)
        self.assertEqual(
            self.client.get("/api/v1/organisations/agency-a").json()["parent"], "agency-b"
        )

    def test_an_e_mail_longer_than_the_column_is_refused_by_the_form(self):
        self.login(self.editor_a)
        data = EditingTest.form_data(self, email="a" * 64 + "@" + "b" * 190 + ".be")
        response = self.client.post(reverse("network:organisation_edit", args=["agency-a"]), data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Organisation.objects.get(pk=self.org_a.pk).email, "")

    def test_one_bad_filter_keeps_the_others(self):
        page = self.client.get("/directory/", {"q": "listening", "page": "0"})
        self.assertContains(page, "1 service found")
