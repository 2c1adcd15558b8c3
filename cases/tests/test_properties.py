"""Property-based check of the access rules: for generated organisations, users, persons,
files, teams, break-glass grants and contributions, what every user's list, search, count
and shared-file view return equals what the rules (written again here, naively) allow."""

import datetime
import uuid

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.middleware import MFA_OK_KEY
from accounts.roles import Role, sync_role_groups
from cases import access
from cases.models import BreakGlass, CaseFile, Contribution, Person, TeamMember, TeamRole
from core.encryption import blind_token
from core.testing import make_org, make_user

ROLES = [Role.REFERRAL_OFFICER, Role.PARTNER_PROFESSIONAL, Role.PLAN_COORDINATOR, Role.DPO]
WORKING = {Role.REFERRAL_OFFICER, Role.PARTNER_PROFESSIONAL}
NAMES = ["ada", "bo", "cyd", "dee", "eli", "fay"]

world = st.fixed_dictionaries(
    {
        "orgs": st.integers(min_value=1, max_value=3),
        "users": st.lists(
            st.tuples(st.integers(0, 2), st.sampled_from(ROLES), st.booleans()),
            min_size=1,
            max_size=6,
        ),
        "persons": st.lists(st.sampled_from(NAMES), min_size=1, max_size=4),
        "files": st.lists(
            st.tuples(st.integers(0, 3), st.integers(0, 2), st.sets(st.integers(0, 5))),
            max_size=6,
        ),
        "grants": st.lists(
            st.tuples(st.integers(0, 5), st.integers(0, 5), st.booleans()), max_size=3
        ),
        "shares": st.lists(
            st.tuples(st.integers(0, 5), st.sets(st.integers(0, 2)), st.booleans(), st.booleans()),
            max_size=5,
        ),
    }
)


class AccessRulesHold(TestCase):
    def assert_api_lists(self, user, expected_uuids):
        """The API's case list (and its search) returns exactly the user's team files."""
        self.client.force_login(user)
        session = self.client.session
        session[MFA_OK_KEY] = True
        session.save()
        response = self.client.get("/api/v1/cases/files?page_size=100")
        self.assertEqual(response.status_code, 200)
        got = {uuid.UUID(row["id"]) for row in response.json()["results"]}
        self.assertEqual(got, expected_uuids)
        self.client.logout()

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(world)
    def test_every_user_gets_exactly_what_the_rules_allow(self, w):
        sync_role_groups()
        orgs = [make_org(f"org-{i}", f"Org {i}") for i in range(w["orgs"])]
        users = []
        for i, (org_i, role, superuser) in enumerate(w["users"]):
            user = make_user(f"u{i}@x.test", orgs[org_i % len(orgs)], role)
            if superuser:
                user.is_superuser = user.is_staff = True
                user.save()
            users.append((user, role))
        persons = []
        for i, name in enumerate(w["persons"]):
            person = Person(full_name=f"{name} Doe", handle=f"TST-2026-{i:04d}")
            person.save()
            persons.append(person)

        files, teams = [], {}
        for person_i, org_i, members in w["files"]:
            person, org = persons[person_i % len(persons)], orgs[org_i % len(orgs)]
            if CaseFile.objects.filter(person=person, organisation=org).exists():
                continue
            team = [users[m % len(users)][0] for m in members]
            manager = team[0] if team else users[0][0]
            file = CaseFile.objects.create(person=person, organisation=org, manager=manager)
            for user in {u.pk: u for u in team}.values():
                TeamMember.objects.create(file=file, user=user, role=TeamRole.MEMBER)
            files.append(file)
            teams[file.pk] = {u.pk for u in team}

        now = timezone.now()
        grants = set()
        for user_i, file_i, active in w["grants"]:
            if not files:
                break
            user, file = users[user_i % len(users)][0], files[file_i % len(files)]
            expires = now + datetime.timedelta(hours=4 if active else -1)
            BreakGlass.objects.create(user=user, file=file, reason="r" * 20, expires_at=expires)
            if active:
                grants.add((user.pk, file.pk))

        shares = []
        for file_i, recipients, withdrawn, expired in w["shares"]:
            if not files:
                break
            file = files[file_i % len(files)]
            contribution = Contribution.objects.create(
                person=file.person,
                file=file,
                author=file.manager,
                kind="summary",
                text="shared",
                purpose="consultation",
                legal_basis="consent" if expired else "flemish_decree",
                consent_reference="ref",
                consent_expires_on=datetime.date(2020, 1, 1) if expired else None,
                withdrawn_at=now if withdrawn else None,
            )
            targets = [orgs[r % len(orgs)] for r in recipients]
            contribution.recipients.set(targets)
            shares.append((contribution, {o.pk for o in targets}, not withdrawn and not expired))

        for user, role in users:
            works = role in WORKING

            def on_team(file, user=user, works=works):
                return (
                    works
                    and file.organisation_id == user.organisation_id
                    and (user.pk in teams[file.pk])
                )

            def may_read(file, user=user, works=works, on_team=on_team):
                return on_team(file) or (
                    works
                    and file.organisation_id == user.organisation_id
                    and (user.pk, file.pk) in grants
                )

            expected_list = {f.pk for f in files if on_team(f)}
            self.assert_api_lists(user, {f.uuid for f in files if on_team(f)})
            expected_read = {f.pk for f in files if may_read(f)}
            self.assertEqual(
                set(access.team_files(user).values_list("pk", flat=True)), expected_list
            )
            self.assertEqual(access.team_files(user).count(), len(expected_list))
            self.assertEqual(
                set(access.visible_files(user).values_list("pk", flat=True)), expected_read
            )
            for name in NAMES:  # search by a word of the name, within one's cases only
                found = access.team_files(user).filter(
                    person__name_index__contains=blind_token(name)
                )
                self.assertEqual(
                    {f.pk for f in found},
                    {f.pk for f in files if on_team(f) and f.person.full_name.startswith(name)},
                )
            for file in files:
                if not may_read(file):
                    continue
                seen = {c.pk for c in access.visible_contributions(user, file)}
                allowed = {
                    c.pk
                    for c, recipients, active in shares
                    if c.person_id == file.person_id
                    and (
                        c.file.organisation_id == file.organisation_id
                        or (file.organisation_id in recipients and active)
                    )
                }
                self.assertEqual(seen, allowed)
