"""Every message of the interface is translated in the four languages, none fuzzy, and the
compiled catalogues are up to date."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["nl", "fr", "de", "en"]


def entries(text: str):
    """(flags, msgid, msgstrs) of each entry of a .po file; tiny parser, enough for ours."""
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines or all(line.startswith("#~") for line in lines):
            continue
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields: dict[str, str] = {}
        current = None
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" in fields:
            yield flags, fields, [v for k, v in fields.items() if k.startswith("msgstr")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_translates_every_message(language):
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    problems = []
    count = 0
    for flags, fields, msgstrs in entries(po.read_text(encoding="utf-8")):
        msgid = fields["msgid"]
        if msgid == "":
            continue
        count += 1
        if "fuzzy" in flags:
            problems.append(f"fuzzy: {msgid}")
        if not msgstrs or any(s == "" for s in msgstrs):
            problems.append(f"untranslated: {msgid}")
    assert count > 100
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_ships_compiled_catalogues_that_match(language):
    folder = ROOT / "locale" / language / "LC_MESSAGES"
    mo = folder / "django.mo"
    assert mo.exists(), "run `make messages`"
    import gettext

    catalogue = gettext.GNUTranslations(mo.open("rb"))
    checked = 0
    for _flags, fields, msgstrs in entries((folder / "django.po").read_text(encoding="utf-8")):
        msgid = fields["msgid"]
        if msgid and "\\" not in msgid and len(msgstrs) == 1 and "msgctxt" not in fields:
            assert catalogue.gettext(msgid) == msgstrs[0], f"stale .mo for {msgid!r}"
            checked += 1
    assert checked > 100
