"""Check the shipped demo plan against the Flemish action plan it is taken from.

Pure data tests: they read ``plans/demo/flemish_action_plan.json`` and the seed document in
``shared/seeds`` and need neither Django nor a database.
"""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from .seed_parser import parse_amounts, parse_lines_and_actions, parse_plan

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "004_46975f6ffa7f64a2.txt"
DEMO = Path(__file__).resolve().parents[1] / "demo" / "flemish_action_plan.json"
LANGUAGES = {"nl", "fr", "de", "en"}
LEVELS = {
    "federal",
    "region",
    "community",
    "province",
    "municipality",
    "police_zone",
    "public_agency",
    "non_profit",
    "school",
    "religious_body",
    "international",
    "other",
}
ROLES = {"coordination", "partner", "funder", "beneficiary"}
MODES = {"amount", "regular_resources", "to_be_determined"}
PERIODICITIES = {"one_off", "per_year", "per_dossier"}
MUNICIPALITIES_4_1 = [
    "Aalst",
    "Antwerpen",
    "Gent",
    "Maaseik",
    "Mechelen",
    "Menen",
    "Oostende",
    "Vilvoorde",
    "Zele",
]


@pytest.fixture(scope="module")
def seed():
    """The seed document; its absence is a failure, not a skip."""
    assert SEED.is_file(), (
        f"The seed document is missing: {SEED} (shared/ must sit beside the repo)"
    )
    return SEED


@pytest.fixture(scope="module")
def seed_measures(seed):
    return {measure.code: measure for measure in parse_plan(seed)}


@pytest.fixture(scope="module")
def demo():
    return json.loads(DEMO.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo_measures(demo):
    """Each shipped measure with the codes of the line and action it sits in."""
    return {
        measure["code"]: {**measure, "line": line["code"], "action": action["code"]}
        for line in demo["lines"]
        for action in line["actions"]
        for measure in action["measures"]
    }


@pytest.fixture(scope="module")
def organisations(demo):
    return {organisation["key"]: organisation for organisation in demo["organisations"]}


@pytest.fixture(scope="module")
def ministers(demo):
    return {minister["key"]: minister for minister in demo["ministers"]}


def _amounts(budget_lines):
    return sum((Decimal(line["amount"]) for line in budget_lines if line["amount"]), Decimal(0))


def _actors_of(measure, key):
    return [actor for actor in measure["actors"] if actor["org"] == key]


def test_it_finds_62_measures_in_the_document(seed_measures):
    assert len(seed_measures) == 62


def test_it_finds_five_policy_lines_and_fourteen_actions_in_the_document(seed):
    lines, actions = parse_lines_and_actions(seed)

    assert lines == [
        "Coordination and cooperation in the implementation",
        "Support for the local approach",
        "Organisation of a person-centred approach",
        "Reinforcement of knowledge and expertise",
        "Mobilisation of civil society",
    ]
    assert len(actions) == 14
    assert actions[0] == "Coordination at Flemish level"
    assert actions[5] == "Guidance for radicalised persons"
    assert actions[10] == "Training and professionalisation of imams and mosque associations"


def test_it_merges_rows_continued_over_a_page_break(seed_measures):
    assert seed_measures["3.1"].ministers[-2:] == [
        "Minister for Youth and Media",
        "Minister for Work",
    ]
    assert seed_measures["4.4"].description.endswith(
        "challenges concerning radicalisation or polarisation."
    )
    assert seed_measures["8.1"].budget_text.endswith("75,000 € for De Touter (2017)")
    assert seed_measures["9.1"].ministers[-1] == "Minister for Work"
    assert seed_measures["10.1"].description.startswith(
        "For the Youth Welfare Agency: In each region"
    )
    assert seed_measures["11.3"].actors_text == "OV EMB KU Leuven AUHA"
    assert "discrimination of or violent attack" in seed_measures["14.4"].description
    assert "important role in this" in seed_measures["14.7"].description


def test_it_reads_amounts_with_either_thousands_separator():
    assert parse_amounts("568,311 € (annually, 2017-2018)") == [Decimal(568311)]
    assert parse_amounts("546.000 € (for CGG and Solentra)") == [Decimal(546000)]
    assert parse_amounts("3,000,000 € (annually, 2017-2019)") == [Decimal(3000000)]
    assert parse_amounts("BCH: = 60,000 € per dossier Forms: 0.5 FTE") == [Decimal(60000)]
    assert parse_amounts("15,000 € TCA") == [Decimal(15000)]
    assert parse_amounts("Within the regular resources") == []


def test_it_ships_every_measure_of_the_document(seed_measures, demo_measures):
    assert sorted(demo_measures) == sorted(seed_measures)


def test_it_keeps_the_type_of_each_measure(seed_measures, demo_measures):
    shipped = {code: measure["type"] for code, measure in demo_measures.items()}
    expected = {code: measure.type for code, measure in seed_measures.items()}
    assert shipped == expected


def test_it_places_each_measure_in_its_action_and_line(seed_measures, demo_measures):
    shipped = {
        code: (measure["line"], measure["action"]) for code, measure in demo_measures.items()
    }
    expected = {
        code: (f"L{measure.line_index}", f"A{measure.action_number}")
        for code, measure in seed_measures.items()
    }
    assert shipped == expected


def test_it_keeps_line_and_action_headings_as_written(seed, demo):
    lines, actions = parse_lines_and_actions(seed)

    assert [line["as_written"] for line in demo["lines"]] == lines
    assert [line["code"] for line in demo["lines"]] == ["L1", "L2", "L3", "L4", "L5"]
    shipped_actions = [action for line in demo["lines"] for action in line["actions"]]
    assert [action["as_written"] for action in shipped_actions] == actions
    assert [action["code"] for action in shipped_actions] == [f"A{n}" for n in range(1, 15)]


def test_it_keeps_the_ministers_as_written(seed_measures, demo_measures, ministers):
    shipped = {
        code: [ministers[key]["as_written"] for key in measure["ministers"]]
        for code, measure in demo_measures.items()
    }
    expected = {code: measure.ministers for code, measure in seed_measures.items()}
    assert shipped == expected


def test_it_takes_every_actor_from_the_actors_cell(seed_measures, demo_measures):
    missing = [
        (code, actor["as_written"])
        for code, measure in demo_measures.items()
        for actor in measure["actors"]
        if actor["as_written"] not in seed_measures[code].actors_text
    ]
    assert missing == []


def test_it_leaves_no_actor_of_the_document_out(seed_measures, demo_measures):
    leftovers = {}
    for code, measure in demo_measures.items():
        rest = seed_measures[code].actors_text
        for written in sorted((a["as_written"] for a in measure["actors"]), key=len, reverse=True):
            rest = re.sub(r"(?<![\w-])" + re.escape(written) + r"(?![\w-])", "", rest, count=1)
        leftovers[code] = rest.replace(",", "").strip()
    assert {code: rest for code, rest in leftovers.items() if rest} == {}


def test_it_keeps_the_budget_cell_verbatim(seed_measures, demo_measures):
    shipped = {code: measure["budget_text"] for code, measure in demo_measures.items()}
    expected = {code: measure.budget_text for code, measure in seed_measures.items()}
    assert shipped == expected


def test_it_gives_every_measure_a_budget_text(demo_measures):
    assert [code for code, measure in demo_measures.items() if not measure["budget_text"]] == []


def test_it_balances_budget_lines_with_the_amounts_of_the_budget_cell(demo_measures):
    shipped = {code: _amounts(measure["budget_lines"]) for code, measure in demo_measures.items()}
    expected = {
        code: sum(parse_amounts(measure["budget_text"]), Decimal(0))
        for code, measure in demo_measures.items()
    }
    assert shipped == expected


def test_it_takes_each_budget_line_from_its_budget_cell(demo_measures):
    strays = [
        (code, line["original_text"])
        for code, measure in demo_measures.items()
        for line in measure["budget_lines"]
        if not line["original_text"] or line["original_text"] not in measure["budget_text"]
    ]
    assert strays == []


def test_it_uses_only_known_budget_line_values(demo_measures):
    lines = [line for measure in demo_measures.values() for line in measure["budget_lines"]]

    assert {line["mode"] for line in lines} <= MODES
    assert {line["periodicity"] for line in lines} <= PERIODICITIES
    assert {line["currency"] for line in lines} == {"EUR"}
    assert all(Decimal(line["amount"]) > 0 for line in lines if line["amount"] is not None)
    assert all(Decimal(line["fte"]) > 0 for line in lines if line["fte"] is not None)
    assert all(
        line["period_start"] <= line["period_end"]
        for line in lines
        if line["period_start"] and line["period_end"]
    )


def test_it_marks_regular_resources_without_an_amount(demo_measures):
    regular = [
        line
        for measure in demo_measures.values()
        for line in measure["budget_lines"]
        if line["mode"] == "regular_resources"
    ]
    assert len(regular) == 45
    assert {line["amount"] for line in regular} == {None}


def test_it_funds_8_1_with_200000_for_the_otas_and_75000_for_de_touter(demo_measures):
    lines = demo_measures["8.1"]["budget_lines"]

    assert [(line["amount"], line["label"]) for line in lines] == [
        (None, ""),
        ("200000.00", "4 OTAs"),
        ("75000.00", "De Touter"),
    ]
    assert lines[0]["mode"] == "regular_resources"


def test_it_funds_5_8_with_546000(demo_measures):
    lines = demo_measures["5.8"]["budget_lines"]

    assert [(line["amount"], line["label"]) for line in lines] == [
        ("546000.00", "CGG and Solentra")
    ]


def test_it_funds_4_1_every_year_of_2017_and_2018(demo_measures):
    (line,) = demo_measures["4.1"]["budget_lines"]

    assert (line["amount"], line["periodicity"], line["period_start"], line["period_end"]) == (
        "568311.00",
        "per_year",
        2017,
        2018,
    )


def test_it_makes_the_municipalities_of_4_1_and_4_2_beneficiaries(demo_measures):
    def beneficiaries(code):
        return [
            a["as_written"] for a in demo_measures[code]["actors"] if a["role"] == "beneficiary"
        ]

    assert beneficiaries("4.1") == MUNICIPALITIES_4_1
    assert beneficiaries("4.2") == ["Vilvoorde", "Dilbeek", "Halle"]


def test_it_makes_the_organisations_of_14_1_beneficiaries(demo_measures):
    beneficiaries = [
        actor["as_written"]
        for actor in demo_measures["14.1"]["actors"]
        if actor["role"] == "beneficiary"
    ]
    assert len(beneficiaries) == 7
    assert all(written.endswith(" vzw") for written in beneficiaries)


def test_it_gives_the_coordination_role_only_where_the_document_says_so(demo_measures):
    actors = [actor for measure in demo_measures.values() for actor in measure["actors"]]

    assert {actor["role"] for actor in actors} <= ROLES
    assert [
        a
        for a in actors
        if (a["role"] == "coordination") != a["as_written"].endswith("(coordination)")
    ] == []


def test_it_resolves_misspelt_abbreviations_to_one_organisation(demo_measures, organisations):
    written_for_cjsm = {
        actor["as_written"]
        for measure in demo_measures.values()
        for actor in _actors_of(measure, "CJSM")
    }

    assert written_for_cjsm == {"CJSM", "CJSJ", "CISM"}
    assert sorted(organisations["CJSM"]["aliases"]) == ["CISM", "CJSJ"]
    assert organisations["VVSG"]["aliases"] == ["VWSG"]
    assert _actors_of(demo_measures["2.1"], "VVSG")[0]["as_written"] == "VWSG"


def test_it_names_each_organisation_and_minister_once_per_measure(demo_measures):
    repeated = [
        code
        for code, measure in demo_measures.items()
        if len({actor["org"] for actor in measure["actors"]}) != len(measure["actors"])
        or len(set(measure["ministers"])) != len(measure["ministers"])
    ]
    assert repeated == []


def test_it_references_only_known_organisations_and_ministers(
    demo_measures, organisations, ministers
):
    org_keys = {actor["org"] for m in demo_measures.values() for actor in m["actors"]}
    minister_keys = {key for m in demo_measures.values() for key in m["ministers"]}

    assert org_keys <= set(organisations)
    assert minister_keys <= set(ministers)
    assert org_keys == set(organisations), "an organisation is listed that no measure uses"
    assert minister_keys == set(ministers), "a minister is listed that no measure uses"


def test_it_uses_unique_keys(demo):
    org_keys = [organisation["key"] for organisation in demo["organisations"]]
    minister_keys = [minister["key"] for minister in demo["ministers"]]
    written = [minister["as_written"] for minister in demo["ministers"]]

    assert len(org_keys) == len(set(org_keys)) == 46
    assert len(minister_keys) == len(set(minister_keys)) == 17
    assert len(written) == len(set(written))


def test_it_describes_every_organisation(demo):
    assert {organisation["level"] for organisation in demo["organisations"]} <= LEVELS
    assert [o["key"] for o in demo["organisations"] if not _complete(o["name"])] == []
    assert [m["key"] for m in demo["ministers"] if not _complete(m["title"])] == []
    assert all(minister["title"]["en"] == minister["as_written"] for minister in demo["ministers"])


def test_it_describes_the_plan(demo):
    plan = demo["plan"]

    assert (plan["slug"], plan["owner"], plan["status"]) == ("flanders-2017", "KB", "adopted")
    assert (plan["period_start"], plan["period_end"]) == (2017, 2019)
    assert _complete(plan["title"])
    assert _complete(plan["summary"])


def test_it_titles_and_summarises_everything_in_four_languages(demo, demo_measures):
    headings = [line["title"] for line in demo["lines"]] + [
        action["title"] for line in demo["lines"] for action in line["actions"]
    ]
    texts = [measure["title"] for measure in demo_measures.values()] + [
        measure["summary"] for measure in demo_measures.values()
    ]

    assert [title for title in headings + texts if not _complete(title)] == []


def test_it_keeps_titles_short(demo_measures):
    too_long = [
        (code, language, title)
        for code, measure in demo_measures.items()
        for language, title in measure["title"].items()
        if len(title) > 90
    ]
    assert too_long == []


def test_it_writes_its_own_titles_and_summaries(seed_measures, demo_measures):
    copied = [
        code
        for code, measure in demo_measures.items()
        if measure["title"]["en"] in seed_measures[code].description
        or measure["summary"]["en"] in seed_measures[code].description
    ]
    assert copied == []


def _complete(texts):
    return set(texts) == LANGUAGES and all(text.strip() for text in texts.values())
