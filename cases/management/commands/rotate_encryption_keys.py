"""Re-encrypt every encrypted value and attachment with the newest key.

Rotating: put the new Fernet key first in FIELD_ENCRYPTION_KEY (keep the old ones after it),
run this command, then remove the old keys. Safe to run again; each chunk is one transaction.
"""

import secrets
from functools import partial

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
                # locked, so that an edit made meanwhile is not written back as it was
                chunk = model.objects.select_for_update().filter(pk__gt=last).order_by("pk")
                rows = list(chunk[:CHUNK])
                if not rows:
                    return count
                if model is Person:
                    for person in rows:
                        person.name_index = blind_index(person.full_name or "")
                model.objects.bulk_update(rows, fields)  # get_prep_value encrypts anew
            count += len(rows)
            last = rows[-1].pk

    def rotate_attachments(self) -> int:
        """Each document is written anew under a new name before the row points to it;
        the old file is deleted only once that is committed: a failure loses nothing."""
        count = 0
        for pk in Attachment.objects.values_list("pk", flat=True).iterator(chunk_size=CHUNK):
            with transaction.atomic():
                attachment = Attachment.objects.select_for_update().only("blob").get(pk=pk)
                old = attachment.blob
                with default_storage.open(old, "rb") as handle:
                    token = handle.read()
                new = default_storage.save(
                    f"cases/{secrets.token_hex(16)}.bin", ContentFile(rotate_token(token))
                )
                Attachment.objects.filter(pk=pk).update(blob=new)
                transaction.on_commit(partial(default_storage.delete, old))
            count += 1
        return count
