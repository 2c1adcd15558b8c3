"""Content that people write once per language, stored as {"nl": ..., "fr": ..., ...}."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.utils import translation


def content_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def pick(values: Mapping[str, str] | None, language: str | None = None) -> str:
    """The text in the wanted language, else the first filled one in the fallback order."""
    if not values:
        return ""
    wanted = (language or translation.get_language() or settings.LANGUAGE_CODE)[:2]
    if values.get(wanted):
        return values[wanted]
    for code in settings.CONTENT_LANGUAGE_FALLBACK:
        if values.get(code):
            return values[code]
    return ""


def clean_translations(values: Mapping[str, object] | None) -> dict[str, str]:
    """Keep only the supported languages, as stripped strings, dropping empty ones."""
    result: dict[str, str] = {}
    for code in content_languages():
        text = (values or {}).get(code)
        if isinstance(text, str) and text.strip():
            result[code] = text.strip()
    return result


def search_blob(*parts: Mapping[str, str] | str | None) -> str:
    """Lower-cased text of every language, for a simple portable search column."""
    words: list[str] = []
    for part in parts:
        if isinstance(part, Mapping):
            words.extend(str(v) for v in part.values())
        elif part:
            words.append(str(part))
    return " ".join(words).lower()
