"""The directory's API: public reads, editors' writes through the same forms and services."""

import json

from accounts.services import create_api_token
from audit.models import AuditEvent
from core.testing import Personas, make_service
from network.models import Organisation, Service


class DirectoryApiTest(Personas):
    def send(self, method, url, body, user=None):
        headers = {}
        if user is not None:
            _token, secret = create_api_token(user, name="t", scope="read_write")
            headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        call = getattr(self.client, method)
        return call(url, data=json.dumps(body), content_type="application/json", **headers)

    def test_the_public_lists_public_services_with_a_next_link(self):
        for n in range(3):
            make_service(self.org_a, f"Extra {n}")
        first = self.client.get("/api/v1/services?page_size=2").json()
        names = [s["name"] for s in first["results"]]
        self.assertNotIn("Counselling address", names)
        self.assertTrue(first["next"])
        rest = self.client.get(first["next"]).json()
        self.assertNotIn("Counselling address", [s["name"] for s in rest["results"]])

    def test_lists_run_a_constant_number_of_queries(self):
        self.client.get("/api/v1/services")
        with self.assertNumQueries(2):
            self.client.get("/api/v1/services")
        for n in range(10):
            service = make_service(self.org_a, f"Extra {n}")
            service.slots.create(weekday="MO", opens_at="09:00", closes_at="10:00")
        with self.assertNumQueries(2):
            self.client.get("/api/v1/services")
        with self.assertNumQueries(1):
            self.client.get("/api/v1/organisations")

    def test_a_private_service_is_404_for_the_public(self):
        url = f"/api/v1/services/{self.private_service_b.uuid}"
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_an_editor_patches_their_organisation(self):
        response = self.send(
            "patch",
            "/api/v1/organisations/agency-a",
            {"municipality": "Namur", "name": {"fr": "Agence A"}},
            self.editor_a,
        )
        self.assertEqual(response.status_code, 200, response.content)
        org = Organisation.objects.get(pk=self.org_a.pk)
        self.assertEqual(
            (org.municipality, org.name["fr"], org.name["en"]), ("Namur", "Agence A", "Agency A")
        )
        self.assertTrue(AuditEvent.objects.filter(action="organisation.updated", via="").exists())

    def test_bad_data_gets_field_messages_and_changes_nothing(self):
        response = self.send(
            "patch", "/api/v1/organisations/agency-a", {"kbo_number": "123"}, self.editor_a
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("kbo_number", response.json()["errors"])
        self.assertEqual(Organisation.objects.get(pk=self.org_a.pk).kbo_number, "")

    def test_an_editor_creates_a_service_with_hours(self):
        body = {
            "name": {"nl": "Oudersteunpunt"},
            "target_groups": ["parents"],
            "opening_hours": [{"weekday": "WE", "opens_at": "13:00", "closes_at": "17:00"}],
        }
        response = self.send("post", "/api/v1/organisations/agency-a/services", body, self.editor_a)
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual(data["opening_hours"][0]["weekday"], "WE")
        service = Service.objects.get(uuid=data["id"])
        self.assertEqual(service.target_groups, ["parents"])

    def test_bad_hours_are_refused(self):
        body = {
            "name": {"nl": "Oudersteunpunt"},
            "opening_hours": [{"weekday": "XX", "opens_at": "13:00", "closes_at": "12:00"}],
        }
        response = self.send("post", "/api/v1/organisations/agency-a/services", body, self.editor_a)
        self.assertEqual(response.status_code, 400)
        self.assertIn("opening_hours", response.json()["errors"])
        self.assertFalse(Service.objects.filter(name__nl="Oudersteunpunt").exists())

    def test_another_organisations_editor_may_not_patch(self):
        url = f"/api/v1/services/{self.private_service_b.uuid}"
        response = self.send("patch", url, {"phone": "+32 2 000 00 00"}, self.editor_a)
        self.assertEqual(response.status_code, 403)

    def test_the_hsds_dataset_is_public_and_unknown_languages_are_404(self):
        response = self.client.get("/api/v1/directory/hsds/fr")
        self.assertEqual(response.status_code, 200)
        names = [s["name"] for s in response.json()["services"]]
        self.assertIn("Listening line", names)
        self.assertNotIn("Counselling address", names)
        self.assertEqual(self.client.get("/api/v1/directory/hsds/xx").status_code, 404)
