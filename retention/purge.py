"""Removing records at the end of their clock, and what is left of them.

A removal starts from a set of records of one kind (case files, referrals, the minutes of
meetings) and finds every row that depends on them through the models' own relations
(`_meta`, hidden relations included), so that a table added later is never forgotten:

- `DIRECT` says, for each table pointing at a case file, a person, a referral or a meeting,
  what becomes of its rows. A relation missing there stops the job (ImproperlyConfigured)
  and fails retention/tests/test_purge_coverage.py, whatever its `on_delete`: a new table
  about persons gets a conscious decision (residue? files in storage?) before it can be
  removed.
- Below those, the tables' own `on_delete` is followed: CASCADE removes, SET_NULL unlinks,
  anything else stops the job.

Rows go table by table, the deepest first, with one DELETE per table for the whole chunk
(`WHERE … IN (ids)`), not through Django's collector, which would load every row (and
decrypt it) first. Before each DELETE, one grouped COUNT says how many rows each record
had in that table, for its audit event. Documents in storage are deleted once the chunk's
transaction has committed.

A person goes when nothing holds them any more: no case file and no referral of any
organisation, and no active legal hold. With them go their remaining rows (consultations
where they were discussed, contributions). Anonymising writes the counts of `Residue`
before anything is deleted, counted as the statistics count the live records
(figures.sources.residue_cells); deleting writes none.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q

from cases.models import CaseFile, Person, Referral
from consultations.models import AgendaCase, Meeting
from figures.sources import RESIDUE_COLUMNS, residue_cells
from retention.clock import person_held
from retention.models import LegalHold, Residue, ResidueKind

DELETE, NULL, HOLDER, KEEP = "delete", "null", "holder", "keep"

# (table, foreign key) -> what its rows become when the record they point at is removed
DIRECT: dict[str, dict[tuple[str, str], str]] = {
    "cases.casefile": {
        ("cases.teammember", "file"): DELETE,
        ("cases.journalentry", "file"): DELETE,
        ("cases.evaluation", "file"): DELETE,
        ("cases.guidanceplan", "file"): DELETE,
        ("cases.condition", "file"): DELETE,
        ("cases.attachment", "file"): DELETE,  # and its document in storage (BLOB_FIELDS)
        ("cases.contribution", "file"): DELETE,
        ("cases.servicereferral", "file"): DELETE,
        ("cases.handover", "file"): DELETE,
        # the sending organisation's handover to this file runs on its own file's clock
        ("cases.handover", "new_file"): NULL,
        # likewise the referral to a service from which the receiving organisation opened it
        ("cases.servicereferral", "receiver_file"): NULL,
        ("cases.breakglass", "file"): DELETE,
        ("cases.referral", "file"): DELETE,  # the referral that opened the file
        ("retention.legalhold", "file"): DELETE,  # lifted ones: an active one stops removal
        ("retention.reviewitem", "file"): NULL,  # the history stays, unlinked
    },
    "cases.person": {
        # what holds a person: they go only when none is left
        ("cases.casefile", "person"): HOLDER,
        ("cases.referral", "person"): HOLDER,
        ("cases.contribution", "person"): DELETE,
        # records opened from this one by receiving services stay theirs, unlinked
        ("cases.person", "same_as"): NULL,
        ("consultations.agendacase", "person"): DELETE,
        ("consultations.caseaction", "person"): DELETE,
        ("retention.legalhold", "person"): DELETE,
    },
    "cases.referral": {
        ("retention.reviewitem", "referral"): NULL,
    },
    "consultations.meeting": {
        # the meeting stays (date, cell, attendance); its minutes and discussions go
        ("consultations.minutes", "meeting"): DELETE,
        ("consultations.agendacase", "meeting"): DELETE,
        ("consultations.attendance", "meeting"): KEEP,
        ("consultations.minutes", "approved_in"): KEEP,  # other meetings' minutes
        ("retention.reviewitem", "meeting"): KEEP,
    },
}

# Columns naming a document in storage, deleted with the row.
BLOB_FIELDS = {"cases.attachment": ["blob"]}


def relations(model: type[models.Model]) -> list[models.ForeignObjectRel]:
    """Every relation pointing at `model`, hidden ones (related_name "+") and the rows of
    many-to-many tables included."""
    return [
        rel
        for rel in model._meta.get_fields(include_hidden=True)
        if isinstance(rel, models.ForeignObjectRel) and not rel.many_to_many
    ]


def how_handled(model: type[models.Model], rel: models.ForeignObjectRel) -> str:
    """What happens to the rows of `rel` when rows of `model` go."""
    label = model._meta.label_lower
    key = (rel.related_model._meta.label_lower, rel.field.name)
    if label in DIRECT:
        if key not in DIRECT[label]:
            raise ImproperlyConfigured(
                f"retention: {key[0]}.{key[1]} points at {label}; say in retention.purge.DIRECT "
                "what becomes of its rows"
            )
        return DIRECT[label][key]
    if rel.on_delete is models.CASCADE:
        return DELETE
    if rel.on_delete is models.SET_NULL:
        return NULL
    raise ImproperlyConfigured(
        f"retention: {key[0]}.{key[1]} points at {label} ({rel.on_delete}); "
        "add it to retention.purge.DIRECT"
    )


@dataclass(frozen=True)
class Step:
    """Delete the rows of `model` whose `path` leads to one of the records, or set their
    `field` to NULL."""

    model: type[models.Model]
    path: str
    op: str
    field: str = ""


def plan(root: type[models.Model], *, delete_root: bool = True) -> list[Step]:
    """The steps removing records of `root` and what depends on them, deepest first."""
    return _plan(root, "", delete_root, (root,))


def _plan(model, path: str, delete: bool, seen: tuple) -> list[Step]:
    steps: list[Step] = []
    for rel in relations(model):
        how = how_handled(model, rel)
        child = rel.related_model
        child_path = f"{rel.field.name}__{path}" if path else rel.field.name
        if how == NULL:
            steps.append(Step(child, child_path, NULL, rel.field.name))
        elif how == DELETE:
            if child in seen:
                raise ImproperlyConfigured(f"retention: a cycle of deletions through {child}")
            steps += _plan(child, child_path, True, (*seen, child))
    if delete:
        steps.append(Step(model, path or "pk", DELETE))
    return steps


@dataclass
class Removal:
    """What one chunk removed: rows per record and table, the persons concerned, the
    residue to add, the documents to delete from storage after commit."""

    rows: dict[int, Counter] = field(default_factory=lambda: defaultdict(Counter))
    subjects: dict[int, str] = field(default_factory=dict)
    persons: dict[int, Counter] = field(default_factory=lambda: defaultdict(Counter))
    person_subjects: dict[int, str] = field(default_factory=dict)
    person_cause: dict[int, int] = field(default_factory=dict)  # person -> record removed
    residue: Counter = field(default_factory=Counter)
    blobs: list[str] = field(default_factory=list)


def run(steps: list[Step], ids: list[int], removal: Removal) -> dict[int, Counter]:
    """Carry out the steps for these records; rows removed per record and table."""
    removed: dict[int, Counter] = defaultdict(Counter)
    if not ids:
        return removed
    for step in steps:
        rows = step.model._base_manager.filter(**{f"{step.path}__in": ids}).order_by()
        if step.op == NULL:
            rows.update(**{step.field: None})
            continue
        label = step.model._meta.label_lower
        for root, count in rows.values_list(step.path).annotate(n=Count("pk")):
            removed[root][label] += count
        for name in _blob_fields(step.model):
            removal.blobs.extend(n for n in rows.values_list(name, flat=True) if n)
        rows._raw_delete(rows.db)
    return removed


def _blob_fields(model) -> list[str]:
    names = list(BLOB_FIELDS.get(model._meta.label_lower, []))
    names += [f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
    return names


# --- Removing each kind of record --------------------------------------------------------


def remove_files(ids: list[int], anonymise: set[int]) -> Removal:
    """Case files and everything in them; their persons if nothing else holds them."""
    removal = Removal()
    persons = _subjects(CaseFile.objects.filter(pk__in=ids), "person", removal)
    _file_residue([i for i in ids if i in anonymise], removal.residue)
    removal.rows.update(run(plan(CaseFile), ids, removal))
    _remove_orphans(persons, anonymise, removal)
    return removal


def remove_referrals(ids: list[int], anonymise: set[int]) -> Removal:
    """Referrals closed without a file; their persons if nothing else holds them."""
    removal = Removal()
    persons = _subjects(Referral.objects.filter(pk__in=ids), "person", removal)
    _referral_residue([i for i in ids if i in anonymise], removal.residue)
    removal.rows.update(run(plan(Referral), ids, removal))
    _remove_orphans(persons, anonymise, removal)
    return removal


def remove_minutes(ids: list[int], anonymise: set[int]) -> Removal:
    """The minutes and the discussions of persons of these meetings; the meetings stay.
    A person discussed there and referred to by nothing else any more (lifted holds
    aside) goes too."""
    removal = Removal()
    cases = AgendaCase.objects.filter(meeting_id__in=ids)
    persons = {person: meeting for meeting, person in cases.values_list("meeting_id", "person_id")}
    kept = [i for i in ids if i in anonymise]
    if kept:
        _consultation_residue(Q(meeting_id__in=kept), Q(case__meeting_id__in=kept), removal.residue)
    removal.rows.update(run(plan(Meeting, delete_root=False), ids, removal))
    unreferenced = Person.objects.filter(pk__in=list(persons)).exclude(person_held())
    for rel in relations(Person):
        if rel.related_model is LegalHold or how_handled(Person, rel) == NULL:
            continue  # lifted holds, and the records opened from this one, hold nobody
        linked = rel.related_model._base_manager.filter(**{rel.field.name: OuterRef("pk")})
        unreferenced = unreferenced.filter(~Exists(linked))
    orphans = list(unreferenced.values_list("pk", "uuid"))
    for pk, uuid in orphans:
        removal.person_subjects[pk] = str(uuid)
        removal.person_cause[pk] = persons[pk]
    _pass_on_links([pk for pk, _u in orphans])
    removal.persons.update(run(plan(Person), [pk for pk, _u in orphans], removal))
    return removal


def _pass_on_links(person_ids: list[int]) -> None:
    """The records opened from a person record that goes (Person.same_as) stay linked to
    each other: the oldest of them becomes the first record of the others. Its own link is
    then cleared with the removed record's (DIRECT: NULL)."""
    opened: dict[int, list[int]] = defaultdict(list)
    linked = Person.objects.filter(same_as_id__in=person_ids).exclude(pk__in=person_ids)
    for first, pk in linked.order_by("pk").values_list("same_as_id", "pk"):
        opened[first].append(pk)
    for heir, *others in opened.values():
        Person.objects.filter(pk__in=others).update(same_as_id=heir)


def _subjects(records, person_field: str, removal: Removal) -> dict[int, int]:
    """Each record's person (person id -> record id), and its uuid for the audit events."""
    persons: dict[int, int] = {}
    for pk, person_id, uuid in records.values_list("pk", person_field, f"{person_field}__uuid"):
        removal.subjects[pk] = str(uuid)
        persons[person_id] = pk
    return persons


def _remove_orphans(persons: dict[int, int], anonymise: set[int], removal: Removal) -> None:
    """The persons nothing holds any more (no file, no referral, no hold) go, with what
    is left about them; the residue follows the action of the record that freed them."""
    orphans = Person.objects.filter(pk__in=list(persons)).exclude(person_held())
    for rel in relations(Person):
        if DIRECT["cases.person"].get((rel.related_model._meta.label_lower, rel.field.name)) == (
            HOLDER
        ):
            linked = rel.related_model._base_manager.filter(**{rel.field.name: OuterRef("pk")})
            orphans = orphans.filter(~Exists(linked))
    found = list(orphans.values_list("pk", "uuid"))
    if not found:
        return
    ids = [pk for pk, _uuid in found]
    for pk, uuid in found:
        removal.person_subjects[pk] = str(uuid)
        removal.person_cause[pk] = persons[pk]
    kept = [pk for pk in ids if persons[pk] in anonymise]
    if kept:
        _consultation_residue(Q(person_id__in=kept), Q(person_id__in=kept), removal.residue)
    _pass_on_links(ids)
    removal.persons.update(run(plan(Person), ids, removal))


# --- Residue -----------------------------------------------------------------------------

# The residue is counted as the statistics count the live records (figures.sources: which
# records of a kind, the date and municipality they count for, the age band on that date,
# the values of the breakdowns the residue keeps), so that a figure is the same before and
# after records are removed: `residue_cells` reads those definitions, in one grouped query
# per kind.
RESIDUE_DIMENSIONS = ("kind", *RESIDUE_COLUMNS)


def _count(kind: str, records: Q, residue: Counter) -> None:
    for cell, count in residue_cells(kind, records).items():
        residue[(kind, *cell)] += count


def _file_residue(ids: list[int], residue: Counter) -> None:
    """The files; the goals of their plan in force; the referral that opened each file;
    the files' referrals to services."""
    if not ids:
        return
    _count(ResidueKind.FILE, Q(pk__in=ids), residue)
    _count(ResidueKind.GOAL, Q(plan__file_id__in=ids), residue)
    _count(ResidueKind.REFERRAL, Q(file_id__in=ids), residue)
    _count(ResidueKind.SERVICE_REFERRAL, Q(file_id__in=ids), residue)


def _referral_residue(ids: list[int], residue: Counter) -> None:
    if ids:
        _count(ResidueKind.REFERRAL, Q(pk__in=ids), residue)


def _consultation_residue(cases: Q, actions: Q, residue: Counter) -> None:
    """The cases of these agenda rows that the figures count (discussed, in a meeting that
    was held), and these actions."""
    _count(ResidueKind.CONSULTATION_CASE, cases, residue)
    _count(ResidueKind.ACTION, actions, residue)


def add_residue(residue: Counter) -> None:
    """Add the counts to the residue table: the cells concerned read once (locked), their
    counts raised in one UPDATE, the new cells inserted in one INSERT."""
    if not residue:
        return
    kinds = {cell[0] for cell in residue}
    years = {cell[2] for cell in residue}
    existing = {
        tuple(getattr(row, name) for name in RESIDUE_DIMENSIONS): row
        for row in Residue.objects.select_for_update().filter(kind__in=kinds, year__in=years)
    }
    changed, new = [], []
    for cell, count in residue.items():
        row = existing.get(cell)
        if row is None:
            new.append(Residue(count=count, **dict(zip(RESIDUE_DIMENSIONS, cell, strict=True))))
        else:
            row.count += count
            changed.append(row)
    Residue.objects.bulk_update(changed, ["count"])
    Residue.objects.bulk_create(new)


def delete_blobs_on_commit(names: Iterable[str]) -> None:
    """Documents leave storage only once the rows naming them are gone for good."""
    for name in names:
        transaction.on_commit(partial(default_storage.delete, name))


def unhandled_relations() -> list[str]:
    """Relations to the records retention removes that DIRECT does not decide (for the
    test and the job's first check)."""
    missing = []
    for label, decided in DIRECT.items():
        model = apps.get_model(label)
        for rel in relations(model):
            key = (rel.related_model._meta.label_lower, rel.field.name)
            if key not in decided:
                missing.append(f"{key[0]}.{key[1]} -> {label}")
    return missing
