import datetime
import io

from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from cases import services
from cases.models import Attachment, JournalEntry, Person
from cases.tests.base import CasePersonas
from core.encryption import blind_token, configured_keys

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


class EncryptionAtRest(CasePersonas):
    def test_the_database_holds_no_plaintext_of_notes_names_or_national_numbers(self):
        entry = services.add_entry(
            self.file,
            {"kind": "note", "occurred_on": datetime.date(2026, 1, 5), "text": "Spoke with mother"},
            actor=self.officer,
        )
        stored = raw("cases_journalentry", "text", entry.pk)
        self.assertNotIn("mother", stored)
        self.assertTrue(stored.startswith("gAAAA"))  # a Fernet token
        self.assertEqual(JournalEntry.objects.get(pk=entry.pk).text, "Spoke with mother")
        self.assertNotIn("Pat", raw("cases_person", "full_name", self.person.pk))
        self.assertNotIn("90051712345", raw("cases_person", "national_number", self.person.pk))

    def test_a_name_is_found_by_its_words_through_the_blind_index_only(self):
        index = raw("cases_person", "name_index", self.person.pk)
        self.assertNotIn("pat", index.lower().split())
        self.assertIn(blind_token("example"), index.split())
        found = Person.objects.filter(name_index__contains=blind_token("example"))
        self.assertEqual(list(found), [self.person])

    def test_the_same_text_encrypts_differently_each_time(self):
        one = services.add_entry(
            self.file,
            {"kind": "note", "occurred_on": datetime.date(2026, 1, 5), "text": "x"},
            actor=self.officer,
        )
        two = services.add_entry(
            self.file,
            {"kind": "note", "occurred_on": datetime.date(2026, 1, 5), "text": "x"},
            actor=self.officer,
        )
        self.assertNotEqual(
            raw("cases_journalentry", "text", one.pk), raw("cases_journalentry", "text", two.pk)
        )


class KeyRotation(CasePersonas):
    def test_rotation_keeps_old_data_readable_and_re_encrypts_it_with_the_new_key(self):
        with override_settings(FIELD_ENCRYPTION_KEY=OLD):
            entry = services.add_entry(
                self.file,
                {"kind": "note", "occurred_on": datetime.date(2026, 2, 1), "text": "Before"},
                actor=self.officer,
            )
            person = Person(full_name="Rosa Rotation", municipality="Gent", handle="GEN-2026-9999")
            person.save()
            upload = SimpleUploadedFile("report.txt", b"attachment body", "text/plain")
            attachment = services.add_attachment(self.file, upload, actor=self.officer)
        before = raw("cases_journalentry", "text", entry.pk)
        default = configured_keys()[0]  # the personas' rows were written with it

        with override_settings(FIELD_ENCRYPTION_KEY=f"{NEW},{OLD},{default}"):
            self.assertEqual(configured_keys()[0], NEW)
            # readable with the old key still listed, before rotating
            self.assertEqual(JournalEntry.objects.get(pk=entry.pk).text, "Before")
            call_command("rotate_encryption_keys", stdout=io.StringIO())
            after = raw("cases_journalentry", "text", entry.pk)
            self.assertNotEqual(before, after)

        with override_settings(FIELD_ENCRYPTION_KEY=NEW):  # the old key is gone
            self.assertEqual(JournalEntry.objects.get(pk=entry.pk).text, "Before")
            rosa = Person.objects.get(pk=person.pk)
            self.assertEqual(rosa.full_name, "Rosa Rotation")
            self.assertIn(blind_token("rosa"), rosa.name_index.split())
            self.assertEqual(
                services.attachment_bytes(Attachment.objects.get(pk=attachment.pk)),
                b"attachment body",
            )

    def test_without_the_key_a_value_cannot_be_read(self):
        with override_settings(FIELD_ENCRYPTION_KEY=OLD):
            entry = services.add_entry(
                self.file,
                {"kind": "note", "occurred_on": datetime.date(2026, 2, 1), "text": "Sealed"},
                actor=self.officer,
            )
        with override_settings(FIELD_ENCRYPTION_KEY=NEW), self.assertRaises(ValueError):
            JournalEntry.objects.get(pk=entry.pk)
