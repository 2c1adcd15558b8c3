"""The HSDS 3.0 export validates against the official schemas, in every language, and shows
only what the public directory shows."""

import datetime
import functools
import json
import uuid
from pathlib import Path

import jsonschema_rs
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.testing import make_user
from network.hsds import build_dataset
from network.models import OpeningSlot, Organisation, Service

SCHEMAS = Path("/work/shared/standards/hsds-3.0/compiled")
KINDS = {
    "organizations": "organization",
    "services": "service",
    "service_at_locations": "service_at_location",
}
LANGUAGES = ["nl", "fr", "de", "en"]


@functools.cache
def validator(kind: str) -> jsonschema_rs.Draft202012Validator:
    # The compiled schemas carry no "$schema": 2020-12 is what they are written for. The
    # formats (uuid, email, uri, date-time) are only checked when asked for.
    schema = json.loads((SCHEMAS / f"{kind}.json").read_text(encoding="utf-8"))
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def schema_errors(dataset: dict) -> list[str]:
    errors = []
    for key, kind in KINDS.items():
        for item in dataset[key]:
            for error in validator(kind).iter_errors(item):
                path = "/".join(str(part) for part in error.instance_path)
                errors.append(
                    f"{dataset['language']} {kind} {item.get('id')} /{path}: {error.message}"
                )
    return errors


def make_service(org: Organisation, name: dict, **fields) -> Service:
    return Service.objects.create(organisation=org, name=name, **fields)


class HsdsExportTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.parent = Organisation.objects.create(
            key="ibz", name={"nl": "FOD Binnenlandse Zaken", "fr": "SPF Intérieur"}
        )
        cls.org = Organisation.objects.create(
            key="ocad",
            abbreviation="OCAD",
            abbreviations={"nl": "OCAD", "fr": "OCAM"},
            name={"nl": "Coördinatieorgaan", "fr": "Organe de coordination"},
            description={"nl": "Analyseert de dreiging."},
            parent=cls.parent,
            kbo_number="0123.456.749",
            street="Wetstraat 1",
            postcode="1000",
            municipality="Brussel",
            website="https://www.example.be/ocad",
            email="info@example.be",
            phone="+32 2 123 45 67",
        )
        cls.verifier = make_user("vera.verifier@example.be", cls.org)
        cls.verifier.full_name = "Vera Verifier"
        cls.verifier.save()
        cls.service = make_service(
            cls.org,
            {"nl": "Hulplijn", "fr": "Ligne d'écoute"},
            description={"nl": "Luistert.", "fr": "Écoute.", "de": "Hört zu.", "en": "Listens."},
            target_groups=["young_people", "parents"],
            minimum_age=12,
            maximum_age=25,
            areas=["Brussel", "Anderlecht"],
            channels=["phone", "professional"],
            conditions={"nl": "Na een eerste gesprek."},
            information_needed={"fr": "Une adresse."},
            languages=["nl", "fr", "ar"],
            hours_note={"nl": "Niet op feestdagen."},
            intake="waiting_list",
            waiting_weeks=3,
            free_of_charge=False,
            fees={"nl": "€ 10 per gesprek."},
            contact_name="Jan Peeters",
            email="hulplijn@example.be",
            phone="0800 12 345",
            website="https://hulplijn.example.be",
            verified_at=timezone.now(),
            verified_by=cls.verifier,
        )
        OpeningSlot.objects.create(
            service=cls.service,
            weekday="MO",
            opens_at=datetime.time(9),
            closes_at=datetime.time(17),
        )
        OpeningSlot.objects.create(
            service=cls.service,
            weekday="WE",
            opens_at=datetime.time(13),
            closes_at=datetime.time(16, 30),
        )
        cls.elsewhere = make_service(
            cls.org, {"nl": "Spreekuur"}, street="Kouter 1", postcode="9000", municipality="Gent"
        )
        cls.hidden_service = make_service(cls.org, {"nl": "Intern"}, is_public=False)
        cls.hidden_org = Organisation.objects.create(
            key="hidden", name={"nl": "Verborgen"}, is_public=False
        )
        cls.service_of_hidden_org = make_service(cls.hidden_org, {"nl": "Zichtbaar maar verweesd"})
        cls.child_of_hidden = Organisation.objects.create(
            key="child", name={"nl": "Kind"}, parent=cls.hidden_org
        )

    def test_every_object_validates_in_every_language(self):
        errors = []
        for language in LANGUAGES:
            dataset = build_dataset(language)
            self.assertEqual(dataset["language"], language)
            self.assertEqual(len(dataset["organizations"]), 3)
            self.assertEqual(len(dataset["services"]), 2)
            self.assertEqual(len(dataset["service_at_locations"]), 2)
            errors += schema_errors(dataset)
        self.assertEqual(errors, [], "\n" + "\n".join(errors))

    def test_it_leaves_out_what_is_not_public(self):
        dataset = build_dataset("nl")
        text = json.dumps(dataset)
        for hidden in (self.hidden_service, self.hidden_org, self.service_of_hidden_org):
            self.assertNotIn(str(hidden.uuid), text)
        self.assertNotIn("Verborgen", text)
        child = next(
            o for o in dataset["organizations"] if o["id"] == str(self.child_of_hidden.uuid)
        )
        self.assertNotIn("parent_organization_id", child)
        # Who verified an entry is not public; the service's contact person is.
        self.assertNotIn("Vera", text)
        self.assertNotIn("vera.verifier", text)
        self.assertIn("Jan Peeters", text)

    def test_it_gives_the_same_ids_in_every_export(self):
        self.assertEqual(build_dataset("fr"), build_dataset("fr"))
        nl, fr = build_dataset("nl"), build_dataset("fr")
        self.assertEqual(ids(nl), ids(fr))
        # Every object has its own id; a location shows up again in its service_at_locations.
        own = ids([nl["organizations"], nl["services"]]) + [
            link["id"] for link in nl["service_at_locations"]
        ]
        self.assertEqual(len(own), len(set(own)))

    def test_it_writes_the_text_in_the_requested_language(self):
        for language, service_name, abbreviation, language_name in (
            ("nl", "Hulplijn", "OCAD", "Nederlands"),
            ("fr", "Ligne d'écoute", "OCAM", "Néerlandais"),
            ("de", "Hulplijn", "OCAD", "Niederländisch"),
        ):
            with self.subTest(language):
                dataset = build_dataset(language)
                org = find(dataset["organizations"], self.org)
                service = find(dataset["services"], self.service)
                self.assertEqual(service["name"], service_name)
                self.assertEqual(org["alternate_name"], abbreviation)
                self.assertEqual(org["description"], "Analyseert de dreiging.")  # fallback
                self.assertEqual(service["languages"][0]["name"], language_name)
        service = find(build_dataset("de")["services"], self.service)
        self.assertEqual(service["description"], "Hört zu.")

    def test_it_maps_the_directory_fields(self):
        dataset = build_dataset("en")
        org = find(dataset["organizations"], self.org)
        self.assertEqual(org["parent_organization_id"], str(self.parent.uuid))
        self.assertEqual(
            org["organization_identifiers"][0] | {"id": None, "organization_id": None},
            {
                "id": None,
                "organization_id": None,
                "identifier_scheme": "BE-BCE_KBO",
                "identifier_type": "Enterprise number",
                "identifier": "0123456749",
            },
        )
        address = org["locations"][0]["addresses"][0]
        self.assertEqual(
            (address["address_1"], address["postal_code"], address["city"]),
            ("Wetstraat 1", "1000", "Brussel"),
        )
        self.assertEqual((address["state_province"], address["country"]), ("BE-BRU", "BE"))
        self.assertEqual(org["phones"][0]["number"], "+32 2 123 45 67")

        service = find(dataset["services"], self.service)
        self.assertEqual(service["organization_id"], str(self.org.uuid))
        self.assertEqual(service["status"], "active")
        self.assertEqual((service["minimum_age"], service["maximum_age"]), (12, 25))
        self.assertEqual(
            service["eligibility_description"],
            "For whom: Young people, Parents and families. From 12 to 25 years old.",
        )
        self.assertIn(
            "How to refer: By phone, Through a professional.", service["application_process"]
        )
        self.assertIn("Information needed: Une adresse.", service["application_process"])
        self.assertEqual(service["wait_time"], "Waiting list: about 3 weeks")
        self.assertEqual(service["fees_description"], "€ 10 per gesprek.")
        self.assertEqual(
            [area["name"] for area in service["service_areas"]], ["Brussel", "Anderlecht"]
        )
        self.assertEqual(
            [(s["byday"], s["opens_at"], s["closes_at"]) for s in service["schedules"]],
            [("MO", "09:00", "17:00"), ("WE", "13:00", "16:30")],
        )
        self.assertEqual(service["schedules"][0]["description"], "Niet op feestdagen.")
        self.assertEqual(service["contacts"][0]["name"], "Jan Peeters")
        self.assertEqual(service["assured_date"], timezone.localdate().isoformat())

        links = {link["service_id"]: link for link in dataset["service_at_locations"]}
        self.assertEqual(links[str(self.service.uuid)]["location"], org["locations"][0])
        own = links[str(self.elsewhere.uuid)]["location"]
        self.assertEqual(own["addresses"][0]["state_province"], "BE-VOV")
        self.assertEqual(own["organization_id"], str(self.org.uuid))

    def test_it_drops_values_that_would_make_the_dataset_invalid(self):
        Organisation.objects.filter(pk=self.org.pk).update(
            website="not a uri", email="nobody", kbo_number="0123.456.789"
        )
        Service.objects.filter(pk=self.service.pk).update(
            website="https://example.be/?tags[]=1", email="a@b@c.be"
        )
        Service.objects.filter(pk=self.elsewhere.pk).update(
            website="https://café.example.be/é", email="info@café.be"
        )
        dataset = build_dataset("nl")
        self.assertEqual(schema_errors(dataset), [])
        org = find(dataset["organizations"], self.org)
        for field in ("website", "email", "organization_identifiers"):
            self.assertNotIn(field, org)
        service = find(dataset["services"], self.service)
        self.assertNotIn("url", service)
        self.assertNotIn("email", service)
        elsewhere = find(dataset["services"], self.elsewhere)
        self.assertEqual(elsewhere["url"], "https://caf%C3%A9.example.be/%C3%A9")
        self.assertEqual(elsewhere["email"], "info@xn--caf-dma.be")

    def test_the_format_checker_rejects_a_bad_uuid_email_and_uri(self):
        org = find(build_dataset("nl")["organizations"], self.org)
        self.assertTrue(validator("organization").is_valid(org))
        cases = {"id": "not-a-uuid", "email": "nobody", "website": "not a uri"}
        for field, value in cases.items():
            with self.subTest(field):
                self.assertFalse(validator("organization").is_valid(org | {field: value}))
        self.assertFalse(validator("service").is_valid({"id": str(uuid.uuid4())}))  # name, status

    def test_it_refuses_an_unknown_language(self):
        with self.assertRaises(ValueError):
            build_dataset("ar")


class HsdsQueriesTest(TestCase):
    def test_the_number_of_queries_does_not_grow_with_the_rows(self):
        def add_service(number: int) -> None:
            org = Organisation.objects.create(
                key=f"org-{number}",
                name={"nl": f"Org {number}"},
                parent=Organisation.objects.filter(key="org-1").first(),
                street="Kouter 1",
                postcode="9000",
                municipality="Gent",
            )
            service = make_service(
                org, {"nl": f"Dienst {number}"}, areas=["Gent"], languages=["nl"]
            )
            OpeningSlot.objects.create(
                service=service,
                weekday="TU",
                opens_at=datetime.time(9),
                closes_at=datetime.time(12),
            )

        add_service(1)
        with CaptureQueriesContext(connection) as one:
            self.assertEqual(len(build_dataset("nl")["services"]), 1)
        for number in range(2, 6):
            add_service(number)
        with self.assertNumQueries(len(one.captured_queries)):
            self.assertEqual(len(build_dataset("nl")["services"]), 5)


def find(items: list[dict], obj: Organisation | Service) -> dict:
    return next(item for item in items if item["id"] == str(obj.uuid))


def ids(value) -> list[str]:
    """Every id in the dataset, depth first."""
    if isinstance(value, dict):
        own = [value["id"]] if "id" in value else []
        return own + [i for key, child in value.items() if key != "id" for i in ids(child)]
    if isinstance(value, list):
        return [i for child in value for i in ids(child)]
    return []
