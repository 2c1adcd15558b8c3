"""The Cases access matrix: every Cases URL (pages and API) × persona has an expected status,
and every allowed read of a person's data leaves an audit row naming that person.

Personas (cases/tests/base.py): O = the case manager (owner), T = a team member, S = a
colleague of the same organisation not on the team, X = a professional of another
organisation, CO = a plan/network coordinator, AD = an administrator, D = the DPO, A =
anonymous. The core matrix (core/tests/test_url_matrix.py) leaves these URLs to this one.
"""

import datetime
import json
import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from accounts.middleware import MFA_OK_KEY
from accounts.roles import Role
from audit.models import AuditEvent
from cases import services
from cases.models import BreakGlass, Goal, Handover
from cases.tests.base import CasePersonas
from core.testing import TOTP_SECRET, make_user
from core.tests.test_url_matrix import url_names

A, OW, T, S, X, CO, AD, D = "anonymous", "owner", "team", "same", "other", "coord", "admin", "dpo"
LOGIN = 302
NOT_CASES = {S: 404, X: 404, CO: 404, AD: 404, D: 404}  # outside one's cases

# name: (kwargs key, method, {persona: status}, audited person: "person" | "minor" | None)
MATRIX = {
    # the case list shows only one's own files; for the others it is an empty page
    "cases:files": ("", "get", {A: LOGIN, OW: 200, T: 200, S: 200, X: 200, AD: 200}, "person"),
    # view, edit, share, refer, export, close × personas (HTML)
    "cases:file": ("file", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:timeline": ("file", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:file_edit": ("file", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:entry_create": ("file", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:entry_edit": ("entry", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:contribute": ("file", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:shared": ("file", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:refer": ("file", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:export": ("file", "get", {A: LOGIN, OW: 200, T: 403, **NOT_CASES}, "person"),
    "cases:close": ("file", "get", {A: LOGIN, OW: 200, T: 403, **NOT_CASES}, "person"),
    "cases:reopen": ("file", "post", {A: LOGIN, OW: 302, T: 403, **NOT_CASES}, "person"),
    "cases:team": ("file", "get", {A: LOGIN, OW: 200, T: 403, **NOT_CASES}, "person"),
    "cases:handover": ("file", "get", {A: LOGIN, OW: 200, T: 403, **NOT_CASES}, "person"),
    "cases:reveal": ("file", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:evaluation_create": ("file", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:evaluation": ("evaluation", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:plan_edit": ("file", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:plan": ("plan", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:plan_approve": ("draft", "post", {A: LOGIN, OW: 302, T: 403, **NOT_CASES}, "person"),
    "cases:condition_create": ("file", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:condition_check": (
        "condition",
        "get",
        {A: LOGIN, OW: 200, T: 200, **NOT_CASES},
        "person",
    ),
    "cases:attachment_create": ("file", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:attachment": ("attachment", "get", {A: LOGIN, OW: 200, T: 200, **NOT_CASES}, "person"),
    "cases:withdraw": ("contribution", "get", {A: LOGIN, OW: 403, T: 200, **NOT_CASES}, "person"),
    "cases:service_referral_withdraw": (
        "service_referral",
        "post",
        {A: LOGIN, OW: 302, T: 302, **NOT_CASES},
        "person",
    ),
    # intake: the referral officers of the receiving organisation
    "cases:referrals": ("", "get", {A: LOGIN, OW: 200, T: 200, X: 200, D: 403}, "minor"),
    "cases:referral_create": ("", "get", {A: LOGIN, OW: 200, T: 200, X: 200}, None),
    "cases:referral": ("referral", "get", {A: LOGIN, OW: 200, T: 404, **NOT_CASES}, "minor"),
    # what was sent to a service of organisation B: B's case workers only
    "cases:incoming_list": ("", "get", {A: LOGIN, X: 200, OW: 200}, "person"),
    "cases:incoming": (
        "service_referral",
        "get",
        {A: LOGIN, X: 200, OW: 404, T: 404, S: 404, AD: 404, D: 404},
        "person",
    ),
    # opening B's own file from it: the fixture's referral awaits its answer, so B is sent
    # back to it with the reason (a 302) and nothing is opened
    "cases:incoming_open_file": (
        "service_referral",
        "post",
        {A: LOGIN, X: 302, OW: 404, T: 404, S: 404, AD: 404, D: 404},
        "person",
    ),
    "cases:handover_decide": ("handover", "get", {A: LOGIN, OW: 404, T: 404, X: 404}, None),
    # break-glass (step-up first) and its review by the DPO
    "cases:break_glass": ("", "get", {A: LOGIN, S: 200, OW: 200}, None),
    "cases:break_glass_review": ("", "get", {A: LOGIN, D: 200, OW: 403, AD: 403}, "person"),
    "cases:break_glass_review_one": ("grant", "get", {A: LOGIN, D: 200, OW: 403}, "person"),
    # the disclosure log: the DPO of an organisation holding a file on the person
    "cases:disclosure_search": ("", "get", {A: LOGIN, D: 200, OW: 403, AD: 403, CO: 403}, None),
    "cases:disclosures": ("person", "get", {A: LOGIN, D: 200, OW: 403, AD: 403, X: 403}, "person"),
    "cases:disclosures_export": ("person", "get", {A: LOGIN, D: 200, OW: 403, AD: 403}, "person"),
    # the API: view, edit, share, refer, export, close and search × personas
    "api:list_case_files": (
        "",
        "get",
        {A: 401, OW: 200, T: 200, S: 200, X: 200, AD: 200},
        "person",
    ),
    "api:get_case_file": ("file", "get", {A: 401, OW: 200, T: 200, **NOT_CASES}, "person"),
    "api:create_journal_entry": ("file", "post", {A: 401, OW: 201, T: 201, **NOT_CASES}, "person"),
    "api:create_contribution": ("file", "post", {A: 401, OW: 201, T: 201, **NOT_CASES}, "person"),
    "api:create_service_referral": (
        "file",
        "post",
        {A: 401, OW: 201, T: 201, **NOT_CASES},
        "person",
    ),
    "api:export_case_file": ("file", "get", {A: 401, OW: 200, T: 403, **NOT_CASES}, "person"),
    "api:close_case_file": ("file", "post", {A: 401, OW: 200, T: 403, **NOT_CASES}, "person"),
    "api:reveal_national_number": (
        "file",
        "post",
        {A: 401, OW: 200, T: 200, **NOT_CASES},
        "person",
    ),
    "api:patch_case_file": ("file", "patch", {A: 401, OW: 200, T: 200, **NOT_CASES}, "person"),
    "api:reopen_case_file": ("file", "post", {A: 401, OW: 400, T: 403, **NOT_CASES}, "person"),
    "api:list_journal_entries": ("file", "get", {A: 401, OW: 200, T: 200, **NOT_CASES}, "person"),
    "api:patch_journal_entry": ("entry", "patch", {A: 401, OW: 200, T: 200, **NOT_CASES}, "person"),
    "api:list_evaluations": ("file", "get", {A: 401, OW: 200, T: 200, **NOT_CASES}, "person"),
    "api:create_evaluation": ("file", "post", {A: 401, OW: 201, T: 201, **NOT_CASES}, "person"),
    "api:list_guidance_plans": ("file", "get", {A: 401, OW: 200, T: 200, **NOT_CASES}, "person"),
    "api:put_draft_plan": ("file", "put", {A: 401, OW: 200, T: 200, **NOT_CASES}, "person"),
    "api:approve_guidance_plan": (
        "draft",
        "post",
        {A: 401, OW: 200, T: 403, **NOT_CASES},
        "person",
    ),
    "api:list_conditions": ("file", "get", {A: 401, OW: 200, T: 200, **NOT_CASES}, "person"),
    "api:create_condition": ("file", "post", {A: 401, OW: 201, T: 201, **NOT_CASES}, "person"),
    "api:create_condition_check": (
        "condition",
        "post",
        {A: 401, OW: 201, T: 201, **NOT_CASES},
        "person",
    ),
    "api:list_contributions": ("file", "get", {A: 401, OW: 200, T: 200, **NOT_CASES}, "person"),
    "api:withdraw_contribution": (
        "contribution",
        "post",
        {A: 401, OW: 403, T: 200, **NOT_CASES},
        "person",
    ),
    "api:list_service_referrals": ("file", "get", {A: 401, OW: 200, T: 200, **NOT_CASES}, "person"),
    "api:create_referral": ("", "post", {A: 401, T: 201, X: 201, CO: 403, D: 403}, None),
    "api:list_referrals": ("", "get", {A: 401, OW: 200, T: 200, X: 200}, "minor"),
    "api:get_referral": ("referral", "get", {A: 401, OW: 200, **NOT_CASES}, "minor"),
    "api:decide_referral": ("referral", "post", {A: 401, OW: 200, **NOT_CASES}, "minor"),
    "api:list_incoming_referrals": ("", "get", {A: 401, X: 200, OW: 200}, "person"),
    "api:get_incoming_referral": ("incoming", "get", {A: 401, X: 200, OW: 404, T: 404}, "person"),
    "api:answer_incoming_referral": (
        "incoming",
        "post",
        {A: 401, X: 200, OW: 404, T: 404, AD: 404},
        "person",
    ),
    "api:open_file_from_incoming_referral": (
        "incoming",
        "post",
        {A: 401, X: 400, OW: 404, T: 404, AD: 404},
        "person",
    ),
    "api:get_disclosure_log": ("person", "get", {A: 401, D: 200, OW: 403, AD: 403}, "person"),
    # the team: its case manager only
    "api:list_case_team": ("file", "get", {A: 401, OW: 200, T: 403, **NOT_CASES}, "person"),
    "api:add_case_team_member": ("file", "post", {A: 401, OW: 201, T: 403, **NOT_CASES}, "person"),
    "api:remove_case_team_member": (
        "member",
        "delete",
        {A: 401, OW: 204, T: 403, **NOT_CASES},
        "person",
    ),
    "api:change_case_manager": ("file", "post", {A: 401, OW: 200, T: 403, **NOT_CASES}, "person"),
    # documents and the timeline
    "api:list_attachments": ("file", "get", {A: 401, OW: 200, T: 200, **NOT_CASES}, "person"),
    "api:create_attachment": ("file", "post", {A: 401, OW: 201, T: 201, **NOT_CASES}, "person"),
    "api:download_attachment": (
        "attachment",
        "get",
        {A: 401, OW: 200, T: 200, **NOT_CASES},
        "person",
    ),
    "api:get_timeline": ("file", "get", {A: 401, OW: 200, T: 200, **NOT_CASES}, "person"),
    "api:withdraw_service_referral": (
        "service_referral",
        "post",
        {A: 401, OW: 200, T: 200, **NOT_CASES},
        "person",
    ),
    # handovers: the case manager hands over, the receiving referral officers decide
    "api:request_handover": ("file", "post", {A: 401, OW: 201, T: 403, **NOT_CASES}, "person"),
    "api:list_file_handovers": ("file", "get", {A: 401, OW: 200, T: 403, **NOT_CASES}, "person"),
    "api:list_incoming_handovers": ("", "get", {A: 401, OW: 200, T: 200, X: 200, D: 200}, "person"),
    "api:decide_handover": (
        "handover_in",
        "post",
        {A: 401, OW: 200, T: 404, S: 404, X: 404, D: 404},
        "person",
    ),
    # break-glass: a colleague off the team, after step-up; the same refusal for the others
    "api:open_break_glass": (
        "",
        "post",
        {A: 401, S: 201, OW: 400, T: 400, X: 400, CO: 403, AD: 403, D: 403},
        None,
    ),
    "api:list_break_glass": ("", "get", {A: 401, D: 200, OW: 403, S: 403, AD: 403}, "person"),
    "api:review_break_glass": ("grant", "post", {A: 401, D: 200, OW: 403, X: 403}, "person"),
    "api:list_sent_referrals": ("", "get", {A: 401, X: 200, OW: 200, T: 200, D: 200}, "minor"),
}

TODAY = "2026-01-10"
BODIES = {
    "api:create_journal_entry": {"kind": "note", "text": "Called back"},
    "api:create_contribution": {
        "kind": "summary",
        "text": "A summary",
        "purpose": "Coordination",
        "legal_basis": "vital_interest",
        "recipients": ["agency-b"],
    },
    "api:create_service_referral": {"service": "SERVICE", "legal_basis": "vital_interest"},
    "api:close_case_file": {
        "closure_reason": "goals_reached",
        "outcome": "stabilised",
        "version": "FILE_VERSION",
    },
    "api:approve_guidance_plan": {"version": "DRAFT_VERSION"},
    "api:patch_case_file": {"phase": "after", "version": "FILE_VERSION"},
    "api:patch_journal_entry": {"text": "Changed", "version": 1},
    "api:create_evaluation": {"evaluated_on": TODAY, "summary": "Seen"},
    "api:put_draft_plan": {
        "phase": "none",
        "context": "community",
        "review_on": TODAY,
        "version": "DRAFT_VERSION",
        "goals": [{"sphere": "housing", "description": "A flat", "partner": "agency-a"}],
    },
    "api:create_condition": {"imposed_by": "Court", "imposed_on": TODAY, "text": "Report"},
    "api:create_condition_check": {"checked_on": TODAY, "compliance": "complied"},
    "api:withdraw_contribution": {"reason": "Shared by mistake"},
    "api:create_referral": {
        "organisation": "agency-a",
        "full_name": "Nina New",
        "source": "professional",
        "concern": "Worried",
        "received_on": TODAY,
        "urgency": "routine",
        "awareness": "aware",
        "consent": "given",
    },
    "api:decide_referral": {"decision": "close", "note": "Nothing to do"},
    "api:answer_incoming_referral": {"status": "accepted", "version": 1},
    "api:add_case_team_member": {"user": "colleague@a.test"},
    "api:change_case_manager": {"user": "partner@a.test"},
    "api:request_handover": {
        "to_organisation": "agency-b",
        "legal_basis": "vital_interest",
        "summary": "Moves to B's area",
    },
    "api:decide_handover": {"accept": False},
    "api:open_break_glass": {"handle": "PERSON_HANDLE", "reason": "A crisis call, tonight."},
    "api:review_break_glass": {"justified": True},
}
# operations that need a current code of the caller's authenticator (step-up)
STEP_UP = {"api:export_case_file", "api:reveal_national_number", "api:open_break_glass"}

# lists that show these personas nobody: an empty page, nothing to audit
SHOWS_NOBODY = {
    "cases:files": {S, X, AD},
    "cases:referrals": {T},
    "cases:incoming_list": {OW},
    "api:list_case_files": {S, X, AD},
    "api:list_incoming_referrals": {OW},
    "api:list_referrals": {T, X},
    "api:list_incoming_handovers": {T, X, D},
    "api:list_sent_referrals": {OW, T, D},
}


def api_operations() -> dict[str, set[str]]:
    """Each Cases API operation's name -> the names of the operations sharing its path (one
    of them is the URL's name)."""
    from cases.api import router

    names = {}
    for path_view in router.path_operations.values():
        siblings = {f"api:{op.view_func.__name__}" for op in path_view.operations}
        for name in siblings:
            names[name] = siblings
    return names


def api_names() -> set[str]:
    return set(api_operations())


class CasesMatrix(CasePersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        TOTP.activate(cls.admin, TOTP_SECRET)
        today = datetime.date(2026, 1, 10)
        cls.entry = services.add_entry(
            cls.file, {"kind": "note", "occurred_on": today, "text": "n"}, actor=cls.officer
        )
        cls.evaluation = services.add_evaluation(
            cls.file, {"evaluated_on": today, "summary": "s"}, actor=cls.officer
        )
        cls.plan = services.draft_plan(cls.file, actor=cls.officer)
        goal = {"sphere": "housing", "description": "g", "partner": cls.org_a}
        cls.plan = services.save_plan(
            cls.plan,
            {"review_on": today},
            [goal],
            actor=cls.officer,
            expected_version=cls.plan.version,
        )
        services.approve_plan(cls.plan, actor=cls.officer, expected_version=cls.plan.version)
        cls.draft = services.draft_plan(cls.file, actor=cls.officer)
        cls.condition = services.add_condition(
            cls.file,
            {"imposed_by": "Court", "imposed_on": today, "text": "c"},
            actor=cls.officer,
        )
        cls.attachment = services.add_attachment(
            cls.file, SimpleUploadedFile("a.txt", b"abc", "text/plain"), actor=cls.officer
        )
        cls.contribution = services.contribute(
            cls.file,
            {"kind": "summary", "text": "t", "purpose": "p", "legal_basis": "vital_interest"},
            [cls.org_b],
            actor=cls.partner,
        )
        cls.service_referral = services.refer_to_service(
            cls.file,
            cls.private_service_b,
            fields=[],
            message="",
            legal_basis="vital_interest",
            actor=cls.partner,
        )
        cls.handover = Handover.objects.create(
            file=cls.file,
            to_organisation=cls.org_b,
            legal_basis="vital_interest",
            summary="s",
            requested_by=cls.officer,
        )
        # B's referral officer receives the handover to B; A's (the case manager) one from B
        make_user("officer@b.test", cls.org_b, Role.REFERRAL_OFFICER)
        cls.handover_in = Handover.objects.create(
            file=cls.file_b,
            to_organisation=cls.org_a,
            legal_basis="vital_interest",
            summary="s",
            requested_by=cls.partner_b,
        )
        cls.grant = BreakGlass.objects.create(
            user=cls.colleague,
            file=cls.file,
            reason="An emergency of some kind",
            expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        )
        assert Goal.objects.filter(plan=cls.draft).exists()

    def persona(self, name):
        return {
            A: None,
            OW: self.officer,
            T: self.partner,
            S: self.colleague,
            X: self.partner_b,
            CO: self.coordinator,
            AD: self.admin,
            D: self.dpo,
        }[name]

    def kwargs(self, key):
        file = {"file_uuid": self.file.uuid}
        return {
            "": {},
            "file": file,
            "entry": {**file, "entry_uuid": self.entry.uuid},
            "evaluation": {**file, "evaluation_uuid": self.evaluation.uuid},
            "plan": {**file, "plan_uuid": self.plan.uuid},
            "draft": {**file, "plan_uuid": self.draft.uuid},
            "condition": {**file, "condition_uuid": self.condition.uuid},
            "attachment": {**file, "attachment_uuid": self.attachment.uuid},
            "contribution": {**file, "contribution_uuid": self.contribution.uuid},
            "service_referral": {**file, "referral_uuid": self.service_referral.uuid},
            "referral": {"referral_uuid": self.referral.uuid},
            "handover": {"handover_uuid": self.handover.uuid},
            "handover_in": {"handover_uuid": self.handover_in.uuid},
            "member": {**file, "member": self.partner.email},
            "grant": {"grant_uuid": self.grant.uuid},
            "person": {"person_uuid": self.person.uuid},
            "incoming": {"referral_uuid": self.service_referral.uuid},
        }[key]

    def url(self, name, key):
        kwargs = self.kwargs(key)
        if name.startswith("api:"):
            url_name = (api_operations()[name] & url_names()).pop()
            return reverse(url_name, kwargs=kwargs)
        if name in ("cases:incoming", "cases:incoming_open_file"):
            kwargs = {"referral_uuid": self.service_referral.uuid}
        return reverse(name, kwargs=kwargs)

    def request(self, name, key, method, persona):
        self.client.logout()
        cache.clear()
        user = self.persona(persona)
        if user is not None:
            self.client.force_login(user)
            session = self.client.session
            session[MFA_OK_KEY] = True
            session.save()
            self.step_up(user)
        if name.startswith("api:"):
            return self.call_api(name, key, method, user)
        return getattr(self.client, method)(self.url(name, key))

    def call_api(self, name, key, method, user):
        headers = {}
        if user is not None and name in STEP_UP:
            counter = int(time.time()) // 30
            headers["X-Synergie-OTP"] = format_hotp_value(hotp_value(TOTP_SECRET, counter))
        url = self.url(name, key)
        if name == "api:create_attachment":
            upload = SimpleUploadedFile("b.txt", b"abc", "text/plain")
            return self.client.post(url, {"upload": upload}, headers=headers)
        if name in BODIES:
            text = json.dumps(BODIES[name])
            text = text.replace('"SERVICE"', f'"{self.private_service_b.uuid}"')
            text = text.replace('"PERSON_HANDLE"', f'"{self.person.handle}"')
            self.file.refresh_from_db()
            text = text.replace('"FILE_VERSION"', str(self.file.version))
            self.draft.refresh_from_db()
            text = text.replace('"DRAFT_VERSION"', str(self.draft.version))
            return getattr(self.client, method)(
                url, data=text, content_type="application/json", headers=headers
            )
        return getattr(self.client, method)(url, headers=headers)

    def test_it_covers_every_cases_url(self):
        names = {n for n in url_names() if n.startswith("cases:")} | api_names()
        self.assertEqual(names - set(MATRIX), set(), "Add these URLs and operations")
        self.assertEqual(set(MATRIX) - names, set())

    def test_every_url_answers_every_persona_as_expected(self):
        for name, (key, method, expectations, _person) in MATRIX.items():
            for persona, expected in expectations.items():
                with self.subTest(name=name, persona=persona), transaction.atomic():
                    response = self.request(name, key, method, persona)
                    self.assertEqual(
                        response.status_code,
                        expected,
                        f"{method.upper()} {name} as {persona}: {response.status_code}",
                    )
                    transaction.set_rollback(True)

    def test_every_allowed_read_of_a_person_leaves_an_audit_row_naming_them(self):
        for name, (key, method, expectations, person) in MATRIX.items():
            if person is None:
                continue
            subject = str((self.person if person == "person" else self.minor).uuid)
            for persona, expected in expectations.items():
                if expected not in (200, 302) or persona in {A} | SHOWS_NOBODY.get(name, set()):
                    continue
                with self.subTest(name=name, persona=persona), transaction.atomic():
                    before = AuditEvent.objects.count()
                    self.request(name, key, method, persona)
                    new = AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - before]
                    self.assertTrue(
                        any(e.subject == subject for e in new),
                        f"{name} as {persona}: no audit row for the person "
                        f"({[e.action for e in new]})",
                    )
                    transaction.set_rollback(True)

    def test_a_refused_file_is_audited_too(self):
        self.request("cases:file", "file", "get", X)
        event = AuditEvent.objects.filter(action="case.file.denied").latest("id")
        self.assertEqual(event.subject, str(self.person.uuid))
        self.assertEqual(event.actor, self.partner_b)

    def test_search_finds_agency_as_file_only_for_its_case_team(self):
        """(Bert of agency B finds the person too, through B's own file.)"""
        for persona in (OW, T, S, X, CO, AD, D):
            for name in ("cases:files", "api:list_case_files"):
                with self.subTest(persona=persona, name=name):
                    self.request(name, "", "get", persona)  # logs in
                    url = self.url(name, "") + "?q=example"
                    response = self.client.get(url)
                    found = str(self.file.uuid) in response.content.decode()
                    self.assertEqual(found, persona in (OW, T), response.status_code)
