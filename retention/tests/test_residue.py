"""The residue keeps the figures whole: for every kind of record it keeps, each figure of the
statistics — its total and every breakdown the residue keeps — counts the same before and
after the records are anonymised away (live records plus residue, by municipality and year,
as figures.sources counts them).

The records are chosen where a residue counted otherwise would drift: a person living in
another municipality than the LIVC-R that discussed them, cases not discussed or in a
meeting that was not held, an action due in another year than its meeting, a goal of a
superseded plan, a referral to a service sent on New Year's Eve in UTC (already the new
year in Brussels), a referral received the year before its file was opened.
"""

from __future__ import annotations

import datetime
from collections import Counter

from cases.models import (
    CaseFile,
    GuidancePlan,
    Person,
    Referral,
    ServiceReferral,
)
from cases.tests.base import make_file, make_person
from consultations.models import AgendaCase, CaseAction, Meeting
from core.testing import make_org
from figures import sources
from platforms.models import Platform
from retention import purge
from retention.models import Residue, ResidueKind
from retention.tests.base import RetentionPersonas, at


def figure_counts() -> dict[tuple[str, str], Counter]:
    """Every figure with a residue, by each breakdown the residue keeps (and without):
    counts by (value, municipality, year), the quarters added up (the residue knows none)."""
    found: dict[tuple[str, str], Counter] = {}
    for figure in sources.FIGURES:
        if figure.residue_kind is None:
            continue
        kept = [b for b in figure.breakdowns if b.residue_field is not None]
        for breakdown in [None, *kept]:
            by_year: Counter = Counter()
            for (value, municipality, year, _q), n in sources.counts(figure, breakdown).items():
                by_year[(value, municipality, year)] += n
            found[(figure.key, breakdown.key if breakdown else "")] = by_year
    return found


class ResidueMatchesFiguresTest(RetentionPersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        org = make_org("dinant-city", "City of Dinant")
        org.municipality = "Dinant"
        org.save()
        cls.dinant = Platform.objects.create(
            key="livc-dinant",
            name={"en": "LIVC-R Dinant"},
            kind="livc_r",
            municipality="Dinant",
            coordinator=cls.org_a,
        )

    def make_meeting(self, day: datetime.date, status: str) -> Meeting:
        return Meeting.objects.create(
            cell=self.dinant,
            starts_at=at(day, 9),
            ends_at=at(day, 11),
            location="Town hall",
            chair=self.officer,
            secretary=self.officer,
            created_by=self.officer,
            status=status,
        )

    def discuss(self, meeting, person, *, discussed=True, actions=()) -> AgendaCase:
        case = AgendaCase.objects.create(
            meeting=meeting,
            person=person,
            position=AgendaCase.objects.filter(meeting=meeting).count() + 1,
            presented_by=self.org_a,
            discussed=discussed,
        )
        for due_on, done_on in actions:
            CaseAction.objects.create(
                case=case,
                person=person,
                cell=meeting.cell,
                text="t",
                owner=self.org_a,
                due_on=due_on,
                done_on=done_on,
            )
        return case

    def build(self):
        opened = datetime.date(2020, 5, 5)
        # a file whose person lives in Namur: everything Synergie counts about them
        self.person = make_person("Filed Person", datetime.date(2002, 5, 10))
        self.file = make_file(self.person, self.org_a, self.officer)
        CaseFile.objects.filter(pk=self.file.pk).update(
            opened_on=opened, phase="during", outcome="stabilised"
        )
        Referral.objects.create(
            person=self.person,
            organisation=self.org_a,
            source="organisation",
            concern="c",
            received_on=datetime.date(2019, 12, 20),
            status="accepted",
            file=self.file,
            created_by=self.partner,
        )
        approved = GuidancePlan.objects.create(
            file=self.file, number=2, review_on=opened, status="approved", created_by=self.officer
        )
        old = GuidancePlan.objects.create(
            file=self.file, number=1, review_on=opened, status="superseded", created_by=self.officer
        )
        approved.goals.create(sphere="housing", description="d", partner=self.org_a)
        approved.goals.create(
            sphere="education", description="d", partner=self.org_a, progress="reached"
        )
        old.goals.create(sphere="health", description="d", partner=self.org_a)
        ServiceReferral.objects.create(
            file=self.file,
            service=self.service_a,
            legal_basis="consent",
            sent_by=self.officer,
            due_on=opened,
            status="accepted",
            sent_at=datetime.datetime(2020, 12, 31, 23, 30, tzinfo=datetime.UTC),
        )
        # a referral closed without a file, of a minor
        self.referral = Referral.objects.create(
            person=make_person("Referred Minor", datetime.date(2006, 1, 1)),
            organisation=self.org_a,
            source="professional",
            concern="c",
            received_on=datetime.date(2020, 2, 2),
            status="no_further_action",
            created_by=self.partner,
        )
        # consultations of the LIVC-R of Dinant
        held = self.make_meeting(datetime.date(2020, 6, 1), "held")
        planned = self.make_meeting(datetime.date(2020, 9, 1), "planned")
        cancelled = self.make_meeting(datetime.date(2020, 10, 1), "cancelled")
        self.discuss(
            held,
            self.person,
            actions=[(datetime.date(2021, 2, 1), datetime.date(2021, 1, 15)), (opened, None)],
        )
        self.discuss(held, self.referral.person, discussed=False)
        self.discuss(planned, self.person)
        self.discuss(cancelled, self.referral.person)
        # someone whose file stays: only the minutes of their consultations go
        self.stays = make_person("Staying Person", datetime.date(1980, 1, 1))
        make_file(self.stays, self.org_a, self.officer)
        self.discuss(held, self.stays, actions=[(datetime.date(2022, 3, 3), None)])
        self.discuss(planned, self.stays)
        self.meetings = [held.pk, planned.pk, cancelled.pk]

    def purge_all(self):
        """Remove the file, the referral and the minutes built, keeping their residue."""
        residue: Counter = Counter()
        for remove, ids in (
            (purge.remove_files, [self.file.pk]),
            (purge.remove_referrals, [self.referral.pk]),
            (purge.remove_minutes, self.meetings),
        ):
            residue.update(remove(ids, set(ids)).residue)
        purge.add_residue(residue)

    def test_every_figure_counts_the_same_before_and_after_the_purge(self):
        self.build()
        before = figure_counts()
        self.assertTrue(all(before.values()))
        self.purge_all()
        self.assertFalse(CaseFile.objects.filter(pk=self.file.pk).exists())
        self.assertFalse(AgendaCase.objects.filter(meeting_id__in=self.meetings).exists())
        self.assertEqual(
            set(Residue.objects.values_list("kind", flat=True)), set(ResidueKind.values)
        )
        after = figure_counts()
        for key, counts in before.items():
            with self.subTest(figure=key):
                self.assertEqual(after[key], counts)

    def test_a_minor_known_only_by_minor_until_counts_the_same_after_the_purge(self):
        self.build()
        # a receiving service's record: no date of birth, a minor until 1 January 2021
        Person.objects.filter(pk__in=[self.person.pk, self.referral.person_id]).update(
            date_of_birth=None, minor_until=datetime.date(2021, 1, 1)
        )
        before = figure_counts()
        self.assertIn(("minor", "Namur", 2020), before[("files", "age_band")])
        self.purge_all()
        after = figure_counts()
        for key, counts in before.items():
            with self.subTest(figure=key):
                self.assertEqual(after[key], counts)

    def test_consultations_count_where_and_when_the_figures_count_them(self):
        self.build()
        purge.add_residue(purge.remove_minutes(self.meetings, set(self.meetings)).residue)
        cases = {
            (r.municipality, r.year, r.age_band): r.count
            for r in Residue.objects.filter(kind=ResidueKind.CONSULTATION_CASE)
        }
        # the two discussed in the meeting held; not the one not discussed, nor the planned
        # or cancelled meetings; where the LIVC-R is, not where the persons live
        self.assertEqual(cases, {("Dinant", 2020, "18_25"): 1, ("Dinant", 2020, "36_plus"): 1})
        actions = {  # by deadline
            (r.municipality, r.year, r.outcome): r.count
            for r in Residue.objects.filter(kind=ResidueKind.ACTION)
        }
        self.assertEqual(
            actions,
            {("Dinant", 2021, "done"): 1, ("Dinant", 2020, "open"): 1, ("Dinant", 2022, "open"): 1},
        )
