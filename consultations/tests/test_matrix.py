"""The Consultations access matrix: every Consultations URL (pages and API operations) ×
persona has an expected status, and every allowed read of a case leaves an audit row naming
the person (their uuid as subject).

Personas (consultations/tests/base.py): CH = the mayor's representative, chair of the cell
and of the meeting; PO = the police member (cleared); SE = the prevention officer,
secretary; IN / IS = Bert, invited for Pat's case, before / after signing the declaration,
and INO / ISO = the same asking for the other case (Quinn's); NM = the referral officer of
the same municipality, who sits in no cell; OC = the police member of Liège's cell; CO = a
coordinator; AD = an administrator; D = the DPO; A = anonymous.

The meeting started an hour ago and is planned; the members are present; Pat's case was
discussed and has an open action; Quinn's reached consensus and has an information sheet;
the cell's previous meeting was held and has minutes not yet approved.
"""

import datetime
import json
import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import MFA_OK_KEY
from audit.models import AuditEvent
from cases.tests.base import make_file, make_person
from consultations.api import router
from consultations.models import (
    AgendaCase,
    Attendance,
    CaseAction,
    Consensus,
    ConsensusStatus,
    InformationSheet,
    Meeting,
    MeetingStatus,
    Minutes,
    Seat,
)
from consultations.tests.base import ConsultationPersonas, share
from core.testing import TOTP_SECRET
from core.tests.test_url_matrix import url_names

A, CH, PO, SE = "anonymous", "chair", "police", "secretary"
IN, INO, IS, ISO = "invited", "invited_other_case", "signed", "signed_other_case"
NM, OC, CO, AD, D = "non_member", "other_cell", "coordinator", "admin", "dpo"
LOGIN = 302
OUTSIDE = {NM: 404, OC: 404, CO: 404, AD: 404, D: 404}  # nobody outside the cell sees it
EVERYONE = (CH, PO, SE, IN, IS, NM, OC, CO, AD, D)

# name: (kwargs key, method, {persona: status}, audited person: "pat" | "quinn" | "rene" | None)
MATRIX = {
    # --- pages ---
    "consultations:list": ("", "get", {A: LOGIN, **dict.fromkeys(EVERYONE, 200)}, None),
    "consultations:schedule": (
        "cell",
        "get",
        {A: LOGIN, CH: 200, SE: 200, PO: 403, IN: 404, IS: 404, **OUTSIDE},
        None,
    ),
    "consultations:meeting": (
        "meeting",
        "get",
        {A: LOGIN, CH: 200, PO: 200, SE: 200, IN: 302, IS: 200, **OUTSIDE},
        "pat",
    ),
    "consultations:meeting_edit": (
        "meeting",
        "get",
        {A: LOGIN, CH: 200, SE: 200, PO: 403, IN: 403, IS: 403, **OUTSIDE},
        None,
    ),
    "consultations:meeting_status": (
        "meeting",
        "post",
        {A: LOGIN, CH: 302, SE: 302, PO: 403, IN: 403, IS: 403, **OUTSIDE},
        None,
    ),
    "consultations:calendar": (
        "meeting",
        "get",
        {A: LOGIN, CH: 200, PO: 200, SE: 200, IN: 200, IS: 200, **OUTSIDE},
        None,
    ),
    "consultations:declaration": (
        "meeting",
        "get",
        {A: LOGIN, CH: 302, PO: 302, SE: 302, IN: 200, IS: 200, **OUTSIDE},
        None,
    ),
    "consultations:attendance": (
        "meeting",
        "get",
        {A: LOGIN, CH: 200, SE: 200, PO: 403, IN: 403, IS: 403, **OUTSIDE},
        None,
    ),
    "consultations:agenda_add": (
        "meeting",
        "get",
        {A: LOGIN, CH: 200, SE: 200, PO: 403, IN: 403, IS: 403, **OUTSIDE},
        None,
    ),
    "consultations:room": (
        "meeting",
        "get",
        {A: LOGIN, CH: 200, SE: 200, PO: 403, IN: 403, IS: 403, **OUTSIDE},
        "pat",
    ),
    "consultations:minutes": (
        "meeting",
        "get",
        {A: LOGIN, CH: 200, PO: 200, SE: 200, IN: 403, IS: 403, **OUTSIDE},
        None,
    ),
    "consultations:minutes_approve": (
        "meeting",
        "post",
        {A: LOGIN, CH: 302, SE: 403, PO: 403, IN: 403, IS: 403, **OUTSIDE},
        None,
    ),
    "consultations:case": (
        "case",
        "get",
        {A: LOGIN, CH: 200, PO: 200, SE: 200, IN: 302, INO: 302, IS: 200, ISO: 404, **OUTSIDE},
        "pat",
    ),
    "consultations:case_identity": (
        "case",
        "post",
        {A: LOGIN, CH: 200, PO: 200, SE: 200, IN: 404, INO: 404, IS: 200, ISO: 404, **OUTSIDE},
        "pat",
    ),
    "consultations:case_discussion": (
        "case",
        "post",
        {A: LOGIN, CH: 302, SE: 302, PO: 403, IN: 404, IS: 403, ISO: 404, **OUTSIDE},
        "pat",
    ),
    # (an empty form: 400 for those who may add an action)
    "consultations:case_action_add": (
        "case",
        "post",
        {A: LOGIN, CH: 400, SE: 400, PO: 403, IN: 404, IS: 403, ISO: 404, **OUTSIDE},
        None,
    ),
    "consultations:case_invite": (
        "case",
        "post",
        {A: LOGIN, CH: 400, SE: 400, PO: 403, IN: 404, IS: 403, ISO: 404, **OUTSIDE},
        None,
    ),
    "consultations:case_remove": (
        "case",
        "post",
        {A: LOGIN, CH: 302, SE: 302, PO: 403, IN: 404, IS: 403, ISO: 404, **OUTSIDE},
        "pat",
    ),
    "consultations:consensus_request": (
        "case",
        "post",
        {A: LOGIN, PO: 302, CH: 403, SE: 403, IN: 404, IS: 403, ISO: 404, **OUTSIDE},
        "pat",
    ),
    "consultations:consensus_votes": (
        "case",
        "get",
        {A: LOGIN, CH: 200, PO: 403, SE: 403, IN: 404, IS: 403, ISO: 404, **OUTSIDE},
        "pat",
    ),
    "consultations:action_done": (
        "action",
        "get",
        {A: LOGIN, CH: 200, SE: 200, PO: 403, IN: 404, IS: 403, **OUTSIDE},
        "pat",
    ),
    "consultations:sheet": (
        "sheet",
        "get",
        {A: LOGIN, PO: 200, CH: 403, SE: 403, IN: 404, IS: 404, **OUTSIDE},
        "quinn",
    ),
    # --- the API ---
    "api:list_consultation_cells": ("", "get", {A: 401, **dict.fromkeys(EVERYONE, 200)}, None),
    "api:list_consultations": ("", "get", {A: 401, **dict.fromkeys(EVERYONE, 200)}, None),
    "api:schedule_consultation": (
        "cell",
        "post",
        {A: 401, CH: 201, SE: 201, PO: 403, IN: 404, IS: 404, **OUTSIDE},
        None,
    ),
    "api:get_consultation": (
        "meeting",
        "get",
        {A: 401, CH: 200, PO: 200, SE: 200, IN: 200, IS: 200, **OUTSIDE},
        "pat",
    ),
    "api:patch_consultation": (
        "meeting",
        "patch",
        {A: 401, CH: 200, SE: 200, PO: 403, IN: 403, IS: 403, **OUTSIDE},
        None,
    ),
    "api:set_consultation_status": (
        "meeting",
        "post",
        {A: 401, CH: 200, SE: 200, PO: 403, IN: 403, IS: 403, **OUTSIDE},
        None,
    ),
    "api:get_consultation_calendar": (
        "meeting",
        "get",
        {A: 401, CH: 200, PO: 200, SE: 200, IN: 200, IS: 200, **OUTSIDE},
        None,
    ),
    "api:sign_consultation_declaration": (
        "meeting",
        "post",
        {A: 401, IN: 200, IS: 200, CH: 400, PO: 400, SE: 400, **OUTSIDE},
        None,
    ),
    "api:put_consultation_attendance": (
        "meeting",
        "put",
        {A: 401, CH: 200, SE: 200, PO: 403, IN: 403, IS: 403, **OUTSIDE},
        None,
    ),
    "api:add_consultation_case": (
        "meeting",
        "post",
        {A: 401, CH: 201, SE: 201, PO: 403, IN: 403, IS: 403, **OUTSIDE},
        "rene",
    ),
    "api:get_consultation_case": (
        "case",
        "get",
        {A: 401, CH: 200, PO: 200, SE: 200, IN: 403, INO: 403, IS: 200, ISO: 404, **OUTSIDE},
        "pat",
    ),
    "api:remove_consultation_case": (
        "case",
        "delete",
        {A: 401, CH: 204, SE: 204, PO: 403, IN: 403, INO: 403, IS: 403, ISO: 404, **OUTSIDE},
        "pat",
    ),
    "api:reveal_consultation_identity": (
        "case",
        "post",
        {A: 401, CH: 200, PO: 200, SE: 200, IN: 403, INO: 403, IS: 200, ISO: 404, **OUTSIDE},
        "pat",
    ),
    "api:put_consultation_discussion": (
        "case",
        "put",
        {A: 401, CH: 200, SE: 200, PO: 403, IN: 403, IS: 403, ISO: 404, **OUTSIDE},
        "pat",
    ),
    "api:add_consultation_action": (
        "case",
        "post",
        {A: 401, CH: 201, SE: 201, PO: 403, IN: 403, IS: 403, ISO: 404, **OUTSIDE},
        "pat",
    ),
    "api:invite_to_consultation_case": (
        "case",
        "post",
        {A: 401, CH: 201, SE: 201, PO: 403, IN: 403, IS: 403, ISO: 404, **OUTSIDE},
        "pat",
    ),
    "api:request_consultation_consensus": (
        "case",
        "post",
        {A: 401, PO: 201, CH: 403, SE: 403, IN: 403, IS: 403, ISO: 404, **OUTSIDE},
        "pat",
    ),
    "api:record_consultation_answers": (
        "case",
        "post",
        {A: 401, CH: 200, PO: 403, SE: 403, IN: 403, IS: 403, ISO: 404, **OUTSIDE},
        "pat",
    ),
    "api:complete_consultation_action": (
        "action",
        "post",
        {A: 401, CH: 200, SE: 200, PO: 403, IN: 404, IS: 403, **OUTSIDE},
        "pat",
    ),
    "api:download_consultation_sheet": (
        "sheet",
        "get",
        {A: 401, PO: 200, CH: 403, SE: 403, IN: 404, IS: 404, **OUTSIDE},
        "quinn",
    ),
    "api:get_consultation_minutes": (
        "meeting",
        "get",
        {A: 401, CH: 200, PO: 200, SE: 200, IN: 403, IS: 403, **OUTSIDE},
        None,
    ),
    "api:put_consultation_minutes": (
        "held",
        "put",
        {A: 401, CH: 200, SE: 200, PO: 403, IN: 404, IS: 404, **OUTSIDE},
        None,
    ),
    "api:approve_consultation_minutes": (
        "meeting",
        "post",
        {A: 401, CH: 200, SE: 403, PO: 403, IN: 403, IS: 403, **OUTSIDE},
        None,
    ),
}

# what the pages are sent (they refuse an empty form before asking who may act)
PAGE_DATA = {
    "consultations:meeting_status": {"status": "held"},
    "consultations:case_discussion": {"summary": "Talked", "discussed": "on", "version": "1"},
    "consultations:consensus_request": {"purpose": "Threat assessment"},
}
# operations that need a current code of the caller's authenticator (step-up)
STEP_UP = {"api:download_consultation_sheet"}
# what these personas get shows nobody: nothing to audit
SHOWS_NOBODY = {
    "consultations:meeting": {IN},
    "consultations:case": {IN, INO},
    "api:get_consultation": {IN},
}
# to act on Pat's case, first: a case with an action stays on the agenda; answers need an
# open consensus
WITHOUT_ACTIONS = {"consultations:case_remove", "api:remove_consultation_case"}
OPEN_CONSENSUS = {"consultations:consensus_votes", "api:record_consultation_answers"}


def api_names() -> set[str]:
    """The URL name of every operation of the Consultations router."""
    return {
        f"api:{operation.url_name}"
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    }


class ConsultationsMatrix(ConsultationPersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        TOTP.activate(cls.admin, TOTP_SECRET)
        cls.rene = make_person("Rene Third", datetime.date(1979, 9, 9))
        share(make_file(cls.rene, cls.org_a, cls.officer), cls.officer, "Rene moved.", cls.cell)
        Attendance.objects.filter(meeting=cls.meeting, seat=Seat.MEMBER).update(present=True)
        AgendaCase.objects.filter(pk__in=[cls.pat_case.pk, cls.quinn_case.pk]).update(
            discussed=True, summary="Discussed"
        )
        cls.action = CaseAction.objects.create(
            case=cls.pat_case,
            person=cls.person,
            cell=cls.cell,
            text="Contact the school",
            owner=cls.org_a,
            due_on=timezone.localdate() + datetime.timedelta(days=10),
        )
        consensus = Consensus.objects.create(
            case=cls.quinn_case,
            purpose="Threat assessment",
            status=ConsensusStatus.REACHED,
            requested_by=cls.police,
            closed_at=timezone.now(),
            closed_by=cls.mayor,
        )
        cls.sheet = InformationSheet.objects.create(
            consensus=consensus, content="Quinn Sample", generated_by=cls.mayor
        )
        before = timezone.now() - datetime.timedelta(days=30)
        cls.held = Meeting.objects.create(
            cell=cls.cell,
            starts_at=before,
            ends_at=before + datetime.timedelta(hours=2),
            location="Town hall",
            chair=cls.mayor,
            secretary=cls.prevention,
            created_by=cls.prevention,
            status=MeetingStatus.HELD,
        )
        cls.minutes = Minutes.objects.create(
            meeting=cls.held, text="The cell met.", written_by=cls.prevention
        )

    def persona(self, name):
        return {
            A: None,
            CH: self.mayor,
            PO: self.police,
            SE: self.prevention,
            IN: self.partner_b,
            INO: self.partner_b,
            IS: self.partner_b,
            ISO: self.partner_b,
            NM: self.officer,
            OC: self.police_other,
            CO: self.coordinator,
            AD: self.admin,
            D: self.dpo,
        }[name]

    def kwargs(self, key, persona):
        meeting = {"meeting_uuid": self.meeting.uuid}
        case = self.quinn_case if persona in (INO, ISO) else self.pat_case
        return {
            "": {},
            "cell": {"cell_key": self.cell.key},
            "meeting": meeting,
            "held": {"meeting_uuid": self.held.uuid},
            "case": {**meeting, "case_id": case.pk},
            "action": {"action_id": self.action.pk},
            "sheet": {"sheet_uuid": self.sheet.uuid},
        }[key]

    def body(self, name):
        start = timezone.localtime() + datetime.timedelta(days=20)
        seats = Attendance.objects.filter(meeting=self.meeting, seat=Seat.MEMBER)
        return {
            "api:schedule_consultation": {
                "starts_at": start.isoformat(),
                "ends_at": (start + datetime.timedelta(hours=2)).isoformat(),
                "location": "Town hall",
                "chair": self.mayor.email,
                "secretary": self.prevention.email,
            },
            "api:patch_consultation": {"location": "Room 2", "version": 1},
            "api:set_consultation_status": {"status": "held"},
            "api:sign_consultation_declaration": {"agree": True},
            "api:put_consultation_attendance": {"present": [s.pk for s in seats]},
            "api:add_consultation_case": {"handle": self.rene.handle, "presented_by": "city"},
            "api:put_consultation_discussion": {"summary": "Talked", "version": 1},
            "api:add_consultation_action": {
                "text": "Call the family",
                "owner": "agency-b",
                "due_on": str(self.future()),
            },
            "api:invite_to_consultation_case": {
                "email": self.colleague.email,
                "reason": "Knows the family",
            },
            "api:request_consultation_consensus": {"purpose": "Threat assessment"},
            "api:record_consultation_answers": {"answers": {str(s.pk): True for s in seats}},
            "api:complete_consultation_action": {"follow_up": "Called"},
            "api:put_consultation_minutes": {"text": "The cell met twice.", "version": 1},
        }.get(name)

    def prepare(self, name, persona):
        if persona in (IS, ISO):
            self.sign()
        if name in WITHOUT_ACTIONS:
            CaseAction.objects.filter(case=self.pat_case).delete()
        if name in OPEN_CONSENSUS:
            Consensus.objects.create(case=self.pat_case, purpose="Check", requested_by=self.police)

    def request(self, name, key, method, persona):
        self.client.logout()
        cache.clear()  # a TOTP code is accepted once
        self.prepare(name, persona)
        user = self.persona(persona)
        if user is not None:
            self.client.force_login(user)
            session = self.client.session
            session[MFA_OK_KEY] = True
            session.save()
            self.step_up(user)
        url = reverse(name, kwargs=self.kwargs(key, persona))
        call = getattr(self.client, method)
        if not name.startswith("api:"):
            return call(url, PAGE_DATA.get(name, {})) if method == "post" else call(url)
        headers = {}
        if user is not None and name in STEP_UP:
            counter = int(time.time()) // 30
            headers["X-Synergie-OTP"] = format_hotp_value(hotp_value(TOTP_SECRET, counter))
        body = self.body(name)
        if body is None:
            return call(url, headers=headers)
        return call(url, data=json.dumps(body), content_type="application/json", headers=headers)

    def subject(self, person):
        return str({"pat": self.person, "quinn": self.quinn, "rene": self.rene}[person].uuid)

    def test_it_covers_every_consultations_url(self):
        names = {n for n in url_names() if n.startswith("consultations:")} | api_names()
        self.assertEqual(names - set(MATRIX), set(), "Add these URLs and operations")
        self.assertEqual(set(MATRIX) - names, set())
        self.assertTrue(api_names() <= url_names(), "Every operation has its own url_name")

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

    def test_every_allowed_read_of_a_case_leaves_an_audit_row_naming_the_person(self):
        checked = 0
        for name, (key, method, expectations, person) in MATRIX.items():
            if person is None:
                continue
            for persona, expected in expectations.items():
                if expected not in (200, 201, 204, 302) or persona == A:
                    continue
                if persona in SHOWS_NOBODY.get(name, ()):
                    continue
                with self.subTest(name=name, persona=persona), transaction.atomic():
                    latest = AuditEvent.objects.order_by("-id").values_list("id", flat=True)
                    last = latest.first() or 0
                    self.request(name, key, method, persona)
                    new = AuditEvent.objects.filter(id__gt=last)
                    self.assertIn(
                        self.subject(person),
                        {e.subject for e in new},
                        f"{name} as {persona}: no audit row for the person "
                        f"({[e.action for e in new]})",
                    )
                    self.assertTrue(all(e.actor == self.persona(persona) for e in new))
                    checked += 1
                    transaction.set_rollback(True)
        self.assertGreater(checked, 40)

    def test_a_case_out_of_sight_in_a_meeting_in_sight_is_audited_as_denied(self):
        for name in ("consultations:case", "api:get_consultation_case"):
            with self.subTest(name=name), transaction.atomic():
                response = self.request(name, "case", "get", ISO)
                self.assertEqual(response.status_code, 404)
                event = AuditEvent.objects.filter(action="consultation.case.denied").latest("id")
                self.assertEqual(event.actor, self.partner_b)
                self.assertEqual(event.target_id, str(self.quinn_case.pk))
                self.assertEqual(event.subject, "")  # the denial names nobody
                transaction.set_rollback(True)
