"""Re-encrypt every encrypted value and attachment with the newest key.

Rotating: put the new Fernet key first in FIELD_ENCRYPTION_KEY (keep the old ones after it),
run this command, then remove the old keys. Safe to run again; each chunk is one transaction.
"""

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import transaction

from cases.models import Attachment, Person
from core.encryption import blind_index, encrypted_fields, rotate_token

CHUNK = 500


class Command(BaseCommand):
    help = "Re-encrypts personal free text and attachments with the newest key."

    def handle(self, *args, **options):
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if not fields:
                continue
            if model is Person:
                fields = [*fields, "name_index"]  # the blind index follows the newest key
            count = self.rotate_rows(model, fields)
            self.stdout.write(f"{model._meta.label}: {count} rows")
        self.stdout.write(f"attachments: {self.rotate_attachments()} files")

    def rotate_rows(self, model, fields: list[str]) -> int:
        count, last = 0, 0
        while True:
            with transaction.atomic():
                rows = list(model.objects.filter(pk__gt=last).order_by("pk")[:CHUNK])
                if not rows:
                    return count
                if model is Person:
                    for person in rows:
                        person.name_index = blind_index(person.full_name or "")
                model.objects.bulk_update(rows, fields)  # get_prep_value encrypts anew
            count += len(rows)
            last = rows[-1].pk

    def rotate_attachments(self) -> int:
        count = 0
        for attachment in Attachment.objects.only("pk", "blob").iterator(chunk_size=CHUNK):
            with default_storage.open(attachment.blob, "rb") as handle:
                token = handle.read()
            default_storage.delete(attachment.blob)
            default_storage.save(attachment.blob, ContentFile(rotate_token(token)))
            count += 1
        return count
