"""Personas and data shared by the test suites of every app (STYLE.md 11)."""

from __future__ import annotations

import datetime

from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.test import TestCase
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, sync_role_groups
from network.models import (
    CoverageRule,
    Level,
    Organisation,
    Post,
    PostKind,
    Professional,
    Service,
    Tenure,
)
from plans.models import (
    ActorRole,
    BudgetLine,
    ItemKind,
    MeasureActor,
    MeasureMinister,
    Minister,
    Plan,
    PlanItem,
    PlanStatus,
)

PASSWORD = "correct horse battery staple"  # noqa: S105
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105


def make_org(key: str, name: str) -> Organisation:
    org = Organisation(key=key, abbreviation=key.upper(), name={"en": name, "nl": name})
    org.refresh_search_text()
    org.save()
    return org


def make_user(email: str, org: Organisation, *roles: str, mfa: bool = False) -> User:
    user = User.objects.create_user(
        email=email, password=PASSWORD, full_name=email.split("@")[0], organisation=org
    )
    user.groups.set(Group.objects.filter(name__in=roles))
    if mfa:
        TOTP.activate(user, TOTP_SECRET)
    return user


def make_item(
    plan: Plan, code: str, kind: str, parent: PlanItem | None, position: int, **extra
) -> PlanItem:
    item = PlanItem(
        plan=plan,
        code=code,
        kind=kind,
        parent=parent,
        position=position,
        title={"en": f"Item {code}", "nl": f"Onderdeel {code}"},
        **extra,
    )
    item.refresh_search_text()
    item.save()
    return item


def make_service(org: Organisation, name: str, **extra) -> Service:
    service = Service(organisation=org, name={"en": name}, **extra)
    service.refresh_search_text()
    service.save()
    return service


def make_post(org: Organisation, kind: PostKind, holder: Professional | None = None, **extra):
    post = Post(organisation=org, kind=kind, holder=holder, **extra)
    post.refresh_search_text()
    post.save()
    if holder is not None:
        Tenure.objects.create(post=post, professional=holder, starts_on=datetime.date(2020, 1, 1))
    return post


class Personas(TestCase):
    """Two agencies (A and B), a coordinator and contact points in each, a DPO, a reader,
    a directory editor of A; a public service of A and a service of B not listed publicly.

    A kind of post "reference person"; agency A has a public post held by Rita Referent,
    agency B a vacant post not listed publicly with a security clearance; a coverage rule of
    agency A asks every organisation of level "other" for one reference person.

    Agency A owns an adopted plan (line L1 → action A1 → measures 1.1 reported by A and 1.2
    reported by B) and a draft; agency B owns a draft.
    """

    @classmethod
    def setUpTestData(cls):
        sync_role_groups()
        cls.org_a = make_org("agency-a", "Agency A")
        cls.org_b = make_org("agency-b", "Agency B")
        cls.coordinator = make_user("coordinator@a.test", cls.org_a, Role.PLAN_COORDINATOR)
        cls.contact_a = make_user("contact@a.test", cls.org_a, Role.CONTACT_POINT)
        cls.reader = make_user("reader@a.test", cls.org_a)
        cls.dpo = make_user("dpo@a.test", cls.org_a, Role.DPO, mfa=True)
        cls.coordinator_b = make_user("coordinator@b.test", cls.org_b, Role.PLAN_COORDINATOR)
        cls.contact_b = make_user("contact@b.test", cls.org_b, Role.CONTACT_POINT)
        cls.editor_a = make_user("editor@a.test", cls.org_a, Role.DIRECTORY_EDITOR)
        cls.service_a = make_service(
            cls.org_a, "Listening line", municipality="Namur", languages=["fr", "nl"]
        )
        cls.private_service_b = make_service(cls.org_b, "Counselling address", is_public=False)
        cls.kind = PostKind.objects.create(
            key="reference-person", name={"en": "Reference person"}, category="reference_person"
        )
        cls.holder = Professional.objects.create(full_name="Rita Referent", email="rita@a.test")
        cls.post_a = make_post(cls.org_a, cls.kind, cls.holder, is_public=True, area="Namur")
        cls.private_post_b = make_post(
            cls.org_b, cls.kind, clearance="secret", title={"en": "Cell member"}
        )
        cls.rule = CoverageRule.objects.create(
            owner=cls.org_a,
            name={"en": "Every agency has a reference person"},
            scope_level=Level.OTHER,
            kind=cls.kind,
        )

        cls.plan = Plan.objects.create(
            slug="plan-a",
            owner=cls.org_a,
            title={"en": "Plan A", "nl": "Plan A"},
            period_start=2017,
            period_end=2019,
            status=PlanStatus.ADOPTED,
        )
        cls.draft = Plan.objects.create(
            slug="draft-a",
            owner=cls.org_a,
            title={"en": "Draft A"},
            period_start=2020,
            period_end=2022,
            status=PlanStatus.DRAFT,
        )
        cls.draft_b = Plan.objects.create(
            slug="draft-b",
            owner=cls.org_b,
            title={"en": "Draft B"},
            period_start=2020,
            period_end=2022,
            status=PlanStatus.DRAFT,
        )
        cls.line = make_item(cls.plan, "L1", ItemKind.LINE, None, 1)
        cls.action = make_item(cls.plan, "A1", ItemKind.ACTION, cls.line, 2)
        cls.measure = make_item(
            cls.plan,
            "1.1",
            ItemKind.MEASURE,
            cls.action,
            3,
            measure_type="B",
            reporting_organisation=cls.org_a,
            budget_text="1.000 € (2017)",
        )
        cls.measure_b = make_item(
            cls.plan,
            "1.2",
            ItemKind.MEASURE,
            cls.action,
            4,
            measure_type="N",
            reporting_organisation=cls.org_b,
        )
        MeasureActor.objects.create(
            item=cls.measure,
            organisation=cls.org_a,
            role=ActorRole.COORDINATION,
            as_written="A (coordination)",
        )
        MeasureActor.objects.create(
            item=cls.measure_b, organisation=cls.org_b, role=ActorRole.PARTNER, as_written="B"
        )
        cls.minister = Minister.objects.create(key="welfare", title={"en": "Minister for Welfare"})
        MeasureMinister.objects.create(item=cls.measure, minister=cls.minister)
        BudgetLine.objects.create(
            item=cls.measure, amount=1000, period_start=2017, original_text="1.000 € (2017)"
        )

    def login(self, user: User) -> None:
        self.client.force_login(user)

    @staticmethod
    def future(days: int = 14) -> datetime.date:
        return timezone.localdate() + datetime.timedelta(days=days)
