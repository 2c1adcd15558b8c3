"""Encryption at rest of free text and files about persons, with key rotation.

Keys are Fernet keys (AES-128-CBC + HMAC-SHA256, from the `cryptography` package) listed in
FIELD_ENCRYPTION_KEY, comma-separated, newest first: the first encrypts, all of them decrypt.
Rotating is: put a new key first, run `manage.py rotate_encryption_keys`, then drop the old
key. Without a configured key (development and tests only; production settings refuse to
start) a key is derived from SECRET_KEY.

Names are encrypted too; to find a person by name within one's own cases, each name token
is also kept as a keyed hash (a "blind index"), which reveals equality only to someone
holding the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver


def configured_keys() -> list[str]:
    raw = [k.strip() for k in settings.FIELD_ENCRYPTION_KEY.split(",") if k.strip()]
    if raw:
        return raw
    digest = hashlib.sha256(("synergie-field-encryption:" + settings.SECRET_KEY).encode()).digest()
    return [base64.urlsafe_b64encode(digest).decode()]


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in configured_keys()])


@cache
def _index_key() -> bytes:
    # Derived from the primary key: rotating keys rebuilds the blind indexes too.
    return hashlib.sha256(b"synergie-blind-index:" + configured_keys()[0].encode()).digest()


@receiver(setting_changed)
def _forget_keys(setting, **kwargs):
    if setting in {"FIELD_ENCRYPTION_KEY", "SECRET_KEY"}:
        _fernet.cache_clear()
        _index_key.cache_clear()


def encrypt_bytes(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(token)


def rotate_token(token: bytes) -> bytes:
    """The same plaintext, encrypted with the newest key."""
    return _fernet().rotate(token)


def normalise(text: str) -> list[str]:
    """Lower-case, accent-free words of a name."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(ch if ch.isalnum() else " " for ch in plain).split()
    return [w for w in words if len(w) > 1]


def blind_token(word: str) -> str:
    return hmac.new(_index_key(), word.encode(), hashlib.sha256).hexdigest()[:20]


def blind_index(text: str) -> str:
    """Space-separated keyed hashes of the words of `text`, for exact-word search."""
    return " ".join(sorted({blind_token(w) for w in normalise(text)}))


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python sees the plaintext.

    Cannot be filtered or ordered on. An unreadable value (wrong key) raises, rather than
    showing garbage."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        try:
            return decrypt_bytes(value.encode()).decode()
        except InvalidToken as exc:
            raise ValueError(f"Cannot decrypt {self.model.__name__}.{self.name}") from exc

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_bytes(str(value).encode()).decode()


class EncryptedJSONField(models.TextField):
    """JSON kept as one encrypted token."""

    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return self.get_default()
        try:
            return json.loads(decrypt_bytes(value.encode()))
        except InvalidToken as exc:
            raise ValueError(f"Cannot decrypt {self.model.__name__}.{self.name}") from exc

    def to_python(self, value: Any):
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value):
        if value is None:
            return value
        return encrypt_bytes(json.dumps(value, ensure_ascii=False).encode()).decode()

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))


def encrypted_fields(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField | EncryptedJSONField)
    ]
