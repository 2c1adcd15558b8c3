"""Importing organisations and services from a spreadsheet: all rows or none, errors by row
number in the user's language, every write audited; the page and the API."""

import csv
import io
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from accounts.services import create_api_token
from audit.models import AuditEvent
from core.testing import Personas
from network.imports import import_directory
from network.models import Organisation, Service


def csv_bytes(rows, delimiter=","):
    columns = list(dict.fromkeys(column for row in rows for column in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def xlsx_bytes(rows):
    columns = list(dict.fromkeys(column for row in rows for column in row))
    book = Workbook()
    sheet = book.active
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column) for column in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ORGANISATIONS = [
    # name_nl is empty (an empty cell empties a text), name_de is left out (kept)
    {
        "key": "agency-a",
        "name_nl": "",
        "name_fr": "Agence A",
        "name_en": "Agency A",
        "municipality": "Namur",
        "level": "federal",
    },
    {
        "key": "city-x",
        "name_nl": "Stad X",
        "level": "municipality",
        "sector": "government",
        "parent": "agency-a",
        "kbo_number": "0207373429",
        "postcode": "9000",
        "website": "x.example.be",
        "languages": "nl, fr",
        "is_public": "nee",
    },
    {"key": "city-x-youth", "name_en": "Youth service of X", "parent": "city-x"},
]


class ImportTestCase(Personas):
    def run_import(self, kind, rows, filename="file.csv", content=None):
        content = csv_bytes(rows) if content is None else content
        return import_directory(kind, filename, content, acting_user=self.coordinator)

    def assert_nothing_written(self, result, *expected):
        self.assertEqual((result.created, result.updated), (0, 0))
        for text in expected:
            self.assertTrue(any(text in error for error in result.errors), result.errors)
        self.assertFalse(AuditEvent.objects.exists())


class OrganisationImportTest(ImportTestCase):
    def test_it_creates_and_updates_organisations_from_a_csv(self):
        result = self.run_import("organisations", ORGANISATIONS)
        self.assertEqual(result.errors, [])
        self.assertEqual((result.created, result.updated, result.unchanged), (2, 1, 0))
        agency = Organisation.objects.get(key="agency-a")
        self.assertEqual(agency.name, {"en": "Agency A", "fr": "Agence A"})
        self.assertEqual((agency.municipality, agency.level), ("Namur", "federal"))
        city = Organisation.objects.get(key="city-x")
        self.assertEqual(city.parent, agency)
        self.assertEqual(city.kbo_number, "0207.373.429")
        self.assertEqual(city.website, "https://x.example.be")
        self.assertEqual(city.languages, ["nl", "fr"])
        self.assertFalse(city.is_public)
        self.assertIsNone(city.verified_at)
        youth = Organisation.objects.get(key="city-x-youth")
        self.assertEqual((youth.parent, youth.level, youth.is_public), (city, "other", True))
        self.assertIn("youth service of x", youth.search_text)

    def test_it_writes_an_audit_event_per_entry_and_one_for_the_import(self):
        self.run_import("organisations", ORGANISATIONS, filename="orgs.csv")
        actions = sorted(AuditEvent.objects.values_list("action", flat=True))
        self.assertEqual(
            actions,
            [
                "directory.imported",
                "organisation.created",
                "organisation.created",
                "organisation.updated",
            ],
        )
        event = AuditEvent.objects.get(action="directory.imported")
        self.assertEqual(event.actor, self.coordinator)
        self.assertEqual(event.changes["file"], [None, "orgs.csv"])
        self.assertEqual(event.changes["created"], [None, 2])
        updated = AuditEvent.objects.get(action="organisation.updated")
        self.assertEqual(updated.changes["municipality"], ["", "Namur"])
        self.assertNotIn("sector", updated.changes)

    def test_it_counts_a_file_imported_twice_as_unchanged(self):
        self.run_import("organisations", ORGANISATIONS)
        again = self.run_import("organisations", ORGANISATIONS)
        self.assertEqual((again.created, again.updated, again.unchanged), (0, 0, 3))

    def test_it_reads_xlsx_and_semicolon_csv(self):
        rows = [{"key": "x", "name_nl": "X", "is_public": True, "postcode": 9000}]
        result = self.run_import("organisations", rows, "o.xlsx", xlsx_bytes(rows))
        self.assertEqual((result.errors, result.created), ([], 1))
        self.assertEqual(Organisation.objects.get(key="x").postcode, "9000")
        rows = [{"key": "y", "name_nl": "Y", "municipality": "Gent"}]
        result = self.run_import("organisations", rows, content=csv_bytes(rows, ";"))
        self.assertEqual((result.errors, result.created), ([], 1))
        self.assertEqual(Organisation.objects.get(key="y").municipality, "Gent")

    def test_it_keeps_the_columns_left_out_and_ignores_empty_choices(self):
        Organisation.objects.filter(key="agency-a").update(
            sector="police", phone="+32 2 000 00 00", municipality="Liège"
        )
        result = self.run_import(
            "organisations", [{"key": "agency-a", "sector": "", "municipality": ""}]
        )
        self.assertEqual(result.errors, [])
        org = Organisation.objects.get(key="agency-a")
        self.assertEqual(
            (org.sector, org.phone, org.municipality), ("police", "+32 2 000 00 00", "")
        )

    def test_one_bad_row_writes_nothing_and_names_its_row(self):
        rows = [*ORGANISATIONS, {"key": "bad", "name_nl": "B", "level": "galaxy"}]
        result = self.run_import("organisations", rows)
        self.assertEqual(len(result.errors), 1)
        self.assertTrue(result.errors[0].startswith("Row 5, column level: "), result.errors)
        self.assertEqual(Organisation.objects.count(), 2)
        self.assertFalse(AuditEvent.objects.exists())

    def test_it_refuses_an_unknown_parent_and_a_loop(self):
        result = self.run_import(
            "organisations",
            [
                {"key": "x", "name_nl": "X", "parent": "nowhere"},
                {"key": "agency-a", "parent": "y"},
                {"key": "y", "name_nl": "Y", "parent": "agency-a"},
                {"key": "agency-a", "parent": "y"},
            ],
        )
        self.assert_nothing_written(
            result,
            "Row 2, column parent: Unknown parent organisation: nowhere.",
            "Row 3, column parent: Unknown parent organisation: y.",
            "Row 5, column key: The key agency-a appears twice.",
        )
        loop = self.run_import(
            "organisations",
            [
                {"key": "y", "name_nl": "Y", "parent": "agency-a"},
                {"key": "agency-a", "parent": "y"},
            ],
        )
        self.assert_nothing_written(
            loop, "Row 3, column parent: An organisation cannot sit under itself."
        )

    def test_it_checks_keys_names_kbo_and_yes_no(self):
        result = self.run_import(
            "organisations",
            [
                {"key": "", "name_nl": "X"},
                {"key": "not a key", "name_nl": "X"},
                {"key": "new-one"},
                {"key": "z", "name_nl": "Z", "kbo_number": "0207.373.428", "is_public": "maybe"},
            ],
        )
        self.assert_nothing_written(
            result,
            "Row 2, column key: This field is required.",
            "Row 3, column key: Enter a valid",
            "Row 4, column name_nl: Fill in at least one language.",
            "Row 5, column kbo_number: This enterprise number does not exist",
            "Row 5, column is_public: Write yes or no.",
        )

    def test_it_answers_in_the_active_language(self):
        with translation.override("fr"):
            result = self.run_import("organisations", [{"key": "x", "name_nl": "X", "level": "?"}])
        self.assertIn("Sélectionnez un choix valide.", result.errors[0])


class FileErrorTest(ImportTestCase):
    def test_it_never_fails_on_a_bad_file(self):
        cases = {
            ("o.xlsx", b"not really a spreadsheet"): "This is not a readable XLSX file.",
            ("o.csv", "key,name_nl\nx,X\n".encode("utf-16")): "must be encoded in UTF-8",
            ("o.csv", b"key,name_nl\nx,\x00X\n"): "Null characters are not allowed.",
            ("o.csv", b'key,name_nl\nx,"' + b"X" * 200_000 + b'"\n'): "not a readable CSV",
            ("o.csv", b""): "The file is empty.",
            ("o.csv", b"key,name_nl\n"): "The file holds no rows below the header.",
            ("o.csv", b"key,colour\nx,red\n"): "Unknown columns: colour.",
            ("o.csv", b"name_nl\nX\n"): "Missing columns: key.",
            ("o.csv", b"key,key\nx,y\n"): "Repeated columns: key.",
            ("o.pdf", b"%PDF"): "Upload a .csv or .xlsx file.",
        }
        for (filename, content), message in cases.items():
            with self.subTest(filename=filename, content=content):
                result = self.run_import("organisations", [], filename, content)
                self.assert_nothing_written(result, message)

    def test_it_refuses_a_file_with_too_many_rows(self):
        rows = [{"key": f"org-{n}", "name_nl": "X"} for n in range(3)]
        with mock.patch("network.imports.MAX_ROWS", 2):
            result = self.run_import("organisations", rows)
        self.assertEqual(result.errors, ["A file may hold at most 2 rows."])
        self.assertFalse(Organisation.objects.filter(key__startswith="org-").exists())

    def test_it_lists_only_the_first_errors(self):
        rows = [{"key": "x", "level": "?"} for _n in range(4)]
        with mock.patch("network.imports.MAX_ERRORS", 2):
            result = self.run_import("organisations", rows)
        self.assertEqual(len(result.errors), 3)
        self.assertEqual(result.errors[-1], "Only the first 2 errors are shown.")


class ServiceImportTest(ImportTestCase):
    def test_it_creates_services_for_organisations_imported_before(self):
        self.run_import("organisations", ORGANISATIONS)
        result = self.run_import(
            "services",
            [
                {
                    "organisation": "city-x",
                    "uuid": "",
                    "name_nl": "Meldpunt",
                    "description_en": "A desk",
                    "target_groups": "parents young_people",
                    "minimum_age": "12",
                    "maximum_age": "25",
                    "areas": "Gent; Sint-Niklaas",
                    "channels": "phone,email",
                    "intake": "waiting_list",
                    "waiting_weeks": "3",
                    "free_of_charge": "non",
                    "is_public": "ja",
                },
                {"organisation": "agency-b", "name_fr": "Ligne d'écoute"},
            ],
        )
        self.assertEqual((result.errors, result.created), ([], 2))
        service = Service.objects.get(organisation__key="city-x")
        self.assertEqual(service.name, {"nl": "Meldpunt"})
        self.assertEqual(service.description, {"en": "A desk"})
        self.assertEqual(service.target_groups, ["parents", "young_people"])
        self.assertEqual((service.minimum_age, service.maximum_age), (12, 25))
        self.assertEqual(service.areas, ["Gent", "Sint-Niklaas"])
        self.assertEqual(service.channels, ["phone", "email"])
        self.assertEqual((service.intake, service.waiting_weeks), ("waiting_list", 3))
        self.assertEqual((service.free_of_charge, service.is_public), (False, True))
        plain = Service.objects.get(organisation=self.org_b, name__fr="Ligne d'écoute")
        self.assertEqual((plain.status, plain.intake, plain.is_public), ("active", "open", True))
        self.assertEqual(AuditEvent.objects.filter(action="service.created").count(), 2)

    def test_it_updates_a_service_by_uuid_and_keeps_its_hours(self):
        self.service_a.slots.create(weekday="MO", opens_at="09:00", closes_at="12:00")
        rows = [
            {
                "organisation": "agency-a",
                "uuid": str(self.service_a.uuid),
                "phone": "+32 81 24 60 00",
                "status": "inactive",
            }
        ]
        result = self.run_import("services", rows, "s.xlsx", xlsx_bytes(rows))
        self.assertEqual((result.errors, result.updated, result.created), ([], 1, 0))
        service = Service.objects.get(pk=self.service_a.pk)
        self.assertEqual((service.phone, service.status), ("+32 81 24 60 00", "inactive"))
        self.assertEqual(service.name, {"en": "Listening line"})
        self.assertEqual(service.languages, ["fr", "nl"])
        self.assertEqual(service.slots.count(), 1)
        event = AuditEvent.objects.get(action="service.updated")
        self.assertEqual(event.changes["status"], ["active", "inactive"])

    def test_it_refuses_unknown_organisations_and_foreign_uuids(self):
        result = self.run_import(
            "services",
            [
                {"organisation": "agency-a", "uuid": "", "name_en": "Fine"},
                {"organisation": "ghost", "uuid": "", "name_en": "X"},
                {"organisation": "agency-a", "uuid": str(self.private_service_b.uuid)},
                {"organisation": "agency-a", "uuid": "42"},
                {"organisation": "", "uuid": "", "name_en": "X"},
                {
                    "organisation": "agency-a",
                    "uuid": "",
                    "name_en": "X",
                    "minimum_age": "30",
                    "maximum_age": "20",
                    "channels": "pigeon",
                },
            ],
        )
        self.assert_nothing_written(
            result,
            "Row 3, column organisation: Unknown organisation: ghost.",
            f"Row 4, column uuid: {self.private_service_b.uuid} is not a service of this",
            "Row 5, column uuid: Enter a valid UUID.",
            "Row 6, column organisation: The organisation is missing.",
            "Row 7, column maximum_age: The maximum age cannot be below the minimum age.",
            "Row 7, column channels: Select a valid choice.",
        )
        self.assertEqual(Service.objects.count(), 2)


class ImportPageTest(Personas):
    url = "/directory/import/"

    def upload(self, kind, content, filename="file.csv"):
        return self.client.post(
            self.url, {"kind": kind, "file": SimpleUploadedFile(filename, content)}
        )

    def test_it_sends_anonymous_visitors_to_the_login(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("login", response["Location"])

    def test_it_forbids_readers_and_directory_editors(self):
        for user in (self.reader, self.editor_a):
            self.login(user)
            self.assertEqual(self.client.get(self.url).status_code, 403)
            self.assertEqual(self.upload("organisations", b"key\nx\n").status_code, 403)
        self.assertFalse(Organisation.objects.filter(key="x").exists())

    def test_it_shows_the_form_and_templates_to_a_coordinator(self):
        self.login(self.coordinator)
        page = self.client.get(self.url)
        self.assertContains(page, 'type="file"')
        self.assertContains(page, reverse("network:import_template", args=["services"]))
        template = self.client.get(reverse("network:import_template", args=["organisations"]))
        self.assertEqual(template["Content-Type"], "text/csv; charset=utf-8")
        header = template.content.decode("utf-8-sig").splitlines()[0]
        self.assertTrue(header.startswith("key,name_nl,name_fr,name_de,name_en,abbreviation"))
        missing = self.client.get("/directory/import/template-people.csv")
        self.assertEqual(missing.status_code, 404)

    def test_it_links_the_page_from_the_directory_for_coordinators_only(self):
        self.login(self.reader)
        self.assertNotContains(self.client.get("/directory/"), self.url)
        self.login(self.coordinator)
        self.assertContains(self.client.get("/directory/"), self.url)

    def test_it_imports_and_redirects_with_a_message(self):
        self.login(self.coordinator)
        response = self.upload("organisations", csv_bytes(ORGANISATIONS))
        self.assertRedirects(
            response, "/directory/?kind=organisations", fetch_redirect_response=False
        )
        page = self.client.get(response["Location"])
        self.assertContains(page, "Imported: 2 new, 1 changed, 0 unchanged.")
        self.assertTrue(Organisation.objects.filter(key="city-x-youth").exists())

    def test_it_lists_the_errors_of_a_bad_file(self):
        self.login(self.coordinator)
        response = self.upload("services", csv_bytes([{"organisation": "ghost", "name_en": "X"}]))
        self.assertContains(response, 'role="alert"')
        self.assertContains(response, "Row 2, column organisation: Unknown organisation: ghost.")
        self.assertEqual(Service.objects.count(), 2)

    def test_it_reports_errors_in_the_users_language(self):
        self.login(self.coordinator)
        self.client.post(reverse("core:set_language"), {"language": "fr", "next": "/"})
        response = self.upload("services", csv_bytes([{"organisation": "ghost", "name_en": "X"}]))
        self.assertContains(response, "Organisation inconnue : ghost.")
        self.assertContains(response, "Rien n'a été importé")

    def test_it_refuses_other_file_types_in_the_form(self):
        self.login(self.coordinator)
        response = self.upload("organisations", b"%PDF", "x.pdf")
        self.assertContains(response, "Upload a .csv or .xlsx file.")


class ImportApiTest(Personas):
    url = "/api/v1/directory/imports"

    def send(self, user=None, scope="read_write", kind="organisations", content=b""):
        headers = {}
        if user is not None:
            _token, secret = create_api_token(user, name="t", scope=scope)
            headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        upload = SimpleUploadedFile("file.csv", content)
        return self.client.post(self.url, {"kind": kind, "file": upload}, **headers)

    def test_it_needs_a_coordinator_with_a_write_token(self):
        content = csv_bytes(ORGANISATIONS)
        self.assertEqual(self.send(content=content).status_code, 401)
        self.assertEqual(self.send(self.editor_a, content=content).status_code, 403)
        self.assertEqual(self.send(self.coordinator, "read", content=content).status_code, 403)
        self.assertFalse(Organisation.objects.filter(key="city-x").exists())

    def test_it_imports_and_answers_the_counts(self):
        response = self.send(self.coordinator, content=csv_bytes(ORGANISATIONS))
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"created": 2, "updated": 1, "unchanged": 0})
        self.assertTrue(AuditEvent.objects.filter(action="directory.imported").exists())

    def test_it_answers_400_with_the_row_errors(self):
        content = csv_bytes([{"key": "x", "name_nl": "X", "sector": "space"}])
        response = self.send(self.coordinator, content=content)
        self.assertEqual(response.status_code, 400)
        errors = response.json()["errors"]
        self.assertEqual(len(errors), 1)
        self.assertTrue(errors[0].startswith("Row 2, column sector: "))
        bad_kind = self.send(self.coordinator, kind="people", content=content)
        self.assertEqual(bad_kind.status_code, 400)
        self.assertEqual(len(bad_kind.json()["errors"]), 1)
        self.assertFalse(Organisation.objects.filter(key="x").exists())
