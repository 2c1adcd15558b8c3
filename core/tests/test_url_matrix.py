"""The authorization matrix: every URL name × persona × method has an expected status.

A meta-test fails when a URL is added without an entry here. Public URLs are the rows
whose anonymous column is 200.
"""

import importlib
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.testing import Personas
from plans import services

A, R, C, CO, CB, D = "anonymous", "reader", "contact_a", "coordinator", "coordinator_b", "dpo"
E = "editor_a"
LOGIN = 302  # redirect to the login page

# name: (kwargs key, method, {persona: status})
# modules whose URLs are in their own tests/test_matrix.py MATRIX
OWN_MATRICES = ("cases", "consultations", "retention", "figures")

MATRIX = {
    "core:home": ("", "get", {A: 200, R: 200, C: 200, CO: 200, CB: 200, D: 200}),
    "core:healthz": ("", "get", {A: 200, R: 200}),
    "core:set_language": ("", "post", {A: 302, R: 302, D: 302}),
    "plans:list": ("", "get", {A: 200, R: 200, C: 200, CO: 200, CB: 200, D: 200}),
    "plans:create": ("", "get", {A: LOGIN, R: 403, C: 403, CO: 200, CB: 200, D: 403}),
    "plans:edit": ("plan", "get", {A: LOGIN, R: 403, C: 403, CO: 200, CB: 403, D: 403}),
    "plans:measure_edit": ("measure", "get", {A: LOGIN, R: 403, C: 403, CO: 200, CB: 403}),
    "api:create_plan": ("", "post", {A: 401, R: 403, C: 403, CO: 400}),
    "api:patch_plan": ("plan", "patch", {A: 401, R: 403, C: 403, CO: 200, CB: 403}),
    "api:patch_measure": ("measure_id", "patch", {A: 401, R: 403, C: 403, CO: 200, CB: 403}),
    "plans:my_work": ("", "get", {A: LOGIN, R: 200, C: 200, CO: 200, D: 200}),
    "plans:indicator_new": ("measure", "get", {A: LOGIN, R: 403, C: 403, CO: 200, CB: 403}),
    "plans:indicator_edit": ("indicator", "get", {A: LOGIN, R: 403, C: 403, CO: 200, CB: 403}),
    "api:create_indicator": ("measure_id", "post", {A: 401, R: 403, C: 403, CO: 400, CB: 403}),
    "api:put_indicator": ("indicator_id", "put", {A: 401, R: 403, C: 403, CO: 400, CB: 403}),
    "api:delete_indicator": ("indicator_id", "delete", {A: 401, R: 403, C: 403, CO: 204, CB: 403}),
    "plans:measure_details": ("measure", "get", {A: LOGIN, R: 403, C: 403, CO: 200, CB: 403}),
    "api:put_measure_details": ("measure_id", "put", {A: 401, R: 403, C: 403, CO: 400, CB: 403}),
    "plans:detail": ("plan", "get", {A: 200, R: 200, C: 200, CO: 200, CB: 200, D: 200}),
    "plans:dashboard": ("plan", "get", {A: 200, R: 200, CO: 200, CB: 200}),
    "plans:export": ("export", "get", {A: 200, R: 200, CO: 200, CB: 200}),
    "plans:measure": ("measure", "get", {A: 200, R: 200, C: 200, CO: 200, CB: 200}),
    "plans:round_open": ("plan", "get", {A: LOGIN, R: 403, C: 403, CO: 200, CB: 403, D: 403}),
    "plans:round": ("round", "get", {A: LOGIN, R: 404, C: 200, CO: 200, CB: 404, D: 404}),
    "plans:import": ("plan", "get", {A: LOGIN, R: 403, C: 403, CO: 200, CB: 403, D: 403}),
    "plans:import_status": ("import", "get", {A: LOGIN, R: 403, C: 403, CO: 200, CB: 403}),
    "api:create_import": ("plan", "post", {A: 401, R: 403, C: 403, CO: 202, CB: 403}),
    "api:get_import": ("plan_import", "get", {A: 401, R: 403, C: 403, CO: 200, CB: 403}),
    "plans:evaluation": ("round", "get", {A: LOGIN, R: 404, C: 200, CO: 200, CB: 404, D: 404}),
    "plans:evaluation_export": (
        "evaluation_pdf",
        "get",
        {A: LOGIN, R: 404, C: 200, CO: 200, CB: 404},
    ),
    "plans:update": ("update", "get", {A: LOGIN, R: 404, C: 200, CO: 200, CB: 404, D: 404}),
    "plans:evidence": ("evidence", "get", {A: LOGIN, R: 404, C: 200, CO: 200, CB: 404}),
    "plans:update_review": ("update", "post", {A: LOGIN, R: 404, C: 403, CO: 302, CB: 404, D: 404}),
    "audit:search": ("", "get", {A: LOGIN, R: 403, C: 403, CO: 403, CB: 403, D: 200}),
    "audit:export": ("", "get", {A: LOGIN, R: 403, C: 403, CO: 403, D: 200}),
    "accounts:profile": ("", "get", {A: LOGIN, R: 200, C: 200, D: 200}),
    "accounts:language": ("", "post", {A: LOGIN, R: 302}),
    "accounts:token_create": ("", "post", {A: LOGIN, R: 400}),
    "accounts:token_revoke": ("token", "post", {A: LOGIN, R: 404, C: 302}),
    "api:api-root": ("", "get", {A: 404}),
    "api:openapi-json": ("", "get", {A: 200, R: 200}),
    "api:openapi-view": ("", "get", {A: 200, R: 200}),
    "api:list_plans": ("", "get", {A: 200, R: 200, CB: 200}),
    "api:get_plan": ("plan", "get", {A: 200, R: 200, CB: 200}),
    "api:list_measures": ("", "get", {A: 200, R: 200}),
    "api:get_measure": ("measure_id", "get", {A: 200, R: 200}),
    "api:list_rounds": ("plan", "get", {A: 401, R: 200, C: 200, CO: 200, CB: 200}),
    "api:open_round": ("plan", "post", {A: 401, R: 403, C: 403, CO: 201, CB: 403}),
    "api:list_updates": ("round_id", "get", {A: 401, R: 404, C: 200, CO: 200, CB: 404}),
    "api:get_update": ("update_id", "get", {A: 401, R: 404, C: 200, CO: 200, CB: 404}),
    "api:put_update": ("update_id", "put", {A: 401, R: 404, C: 200, CO: 403, CB: 404}),
    "api:review_update": ("update_id", "post", {A: 401, R: 404, C: 403, CO: 200, CB: 404}),
    # allauth: login, password reset and the pages reached while logging in are public;
    # the others ask for a login first.
    "account_login": ("", "get", {A: 200, R: 302}),
    "account_logout": ("", "get", {A: 302, R: 200}),
    "account_signup": ("", "get", {A: 200}),  # says sign-up is closed
    "account_reset_password": ("", "get", {A: 200}),
    "account_reset_password_done": ("", "get", {A: 200}),
    "account_reset_password_from_key": ("reset_key", "get", {A: 200}),
    "account_reset_password_from_key_done": ("", "get", {A: 200}),
    "account_change_password": ("", "get", {A: LOGIN, R: 200}),
    "account_set_password": ("", "get", {A: LOGIN, R: 302}),
    "account_email": ("", "get", {A: LOGIN, R: 200}),
    "account_confirm_email": ("email_key", "get", {A: 200}),
    "account_email_verification_sent": ("", "get", {A: 200}),
    "account_inactive": ("", "get", {A: 200}),
    "account_reauthenticate": ("", "get", {A: LOGIN, R: 200}),
    "account_confirm_login_code": ("", "get", {A: 302}),
    "mfa_index": ("", "get", {A: LOGIN, R: 200, D: 200}),
    # allauth asks for a fresh authentication before changing factors.
    "mfa_activate_totp": ("", "get", {A: LOGIN, R: 302, D: 302}),
    "mfa_deactivate_totp": ("", "get", {A: LOGIN, R: 404, D: 302}),
    "mfa_authenticate": ("", "get", {A: 302}),
    "mfa_reauthenticate": ("", "get", {A: LOGIN, R: 302}),
    "mfa_view_recovery_codes": ("", "get", {A: LOGIN, R: 404}),
    "mfa_generate_recovery_codes": ("", "get", {A: LOGIN, R: 302}),
    "mfa_download_recovery_codes": ("", "get", {A: LOGIN, R: 404}),
    "mfa_add_webauthn": ("", "get", {A: LOGIN, R: 302}),
    "mfa_list_webauthn": ("", "get", {A: LOGIN, R: 200}),
    "mfa_edit_webauthn": ("pk", "get", {A: LOGIN, R: 302}),
    "mfa_remove_webauthn": ("pk", "get", {A: LOGIN, R: 302}),
    "mfa_reauthenticate_webauthn": ("", "get", {A: LOGIN, R: 302}),
    "usersessions_list": ("", "get", {A: LOGIN, R: 200}),
    # The directory: public entries for everyone, all entries for professionals, edits by
    # the organisation's own editors.
    "network:directory": ("", "get", {A: 200, R: 200, E: 200}),
    "network:open_data": ("", "get", {A: 200, R: 200}),
    "network:hsds": ("hsds", "get", {A: 200, R: 200}),
    "network:organisation": ("org", "get", {A: 200, R: 200, E: 200}),
    "network:organisation_edit": ("org", "get", {A: LOGIN, R: 403, CO: 403, CB: 403, E: 200}),
    "network:organisation_verify": ("org", "post", {A: LOGIN, R: 403, CB: 403, E: 302}),
    "network:service_create": ("org", "get", {A: LOGIN, R: 403, CB: 403, E: 200}),
    "network:service": ("private_service", "get", {A: 404, R: 200, CB: 200}),
    "network:service_edit": ("service", "get", {A: LOGIN, R: 403, CB: 403, E: 200}),
    "network:service_verify": ("service", "post", {A: LOGIN, R: 403, CB: 403, E: 302}),
    "api:list_organisations": ("", "get", {A: 200, R: 200}),
    "api:get_organisation": ("org", "get", {A: 200, R: 200}),
    "api:patch_organisation": ("org", "patch", {A: 401, R: 403, CB: 403, E: 200}),
    "api:verify_organisation": ("org", "post", {A: 401, R: 403, CB: 403, E: 200}),
    "api:list_services": ("", "get", {A: 200, R: 200}),
    "api:get_service": ("private_service_id", "get", {A: 404, R: 200}),
    "api:create_service": ("org", "post", {A: 401, R: 403, CB: 403, E: 201}),
    "api:patch_service": ("service_id", "patch", {A: 401, R: 403, CB: 403, E: 200}),
    "api:verify_service": ("service_id", "post", {A: 401, R: 403, CB: 403, E: 200}),
    "api:hsds_dataset": ("hsds", "get", {A: 200, R: 200}),
    # Posts: public ones for everyone, all for professionals; managed by the organisation's
    # editors and by network coordinators (of any organisation).
    "network:post": ("private_post", "get", {A: 404, R: 200, E: 200, CB: 200}),
    "network:post_create": ("org", "get", {A: LOGIN, R: 403, C: 403, E: 200, CB: 200}),
    "network:post_edit": ("post", "get", {A: LOGIN, R: 403, E: 200, CO: 200, D: 403}),
    "network:post_appoint": ("post", "get", {A: LOGIN, R: 403, E: 200, CB: 200}),
    "network:post_vacate": ("post", "get", {A: LOGIN, R: 403, E: 200, CO: 200}),
    "network:post_verify": ("post", "post", {A: LOGIN, R: 403, E: 302, CB: 302}),
    "network:coverage": ("", "get", {A: LOGIN, R: 403, E: 403, D: 403, CO: 200, CB: 200}),
    "network:rule_create": ("", "get", {A: LOGIN, R: 403, E: 403, CO: 200, CB: 200}),
    "network:rule_edit": ("rule", "get", {A: LOGIN, R: 403, E: 403, CO: 200, CB: 403}),
    "api:list_posts": ("", "get", {A: 200, R: 200}),
    "api:get_post": ("private_post_id", "get", {A: 404, R: 200, CB: 200}),
    "api:create_post": ("org", "post", {A: 401, R: 403, E: 201, CB: 201}),
    "api:patch_post": ("post_id", "patch", {A: 401, R: 403, E: 200, CO: 200}),
    "api:appoint_to_post": ("post_id", "post", {A: 401, R: 403, E: 400, CB: 400}),
    "api:vacate_post": ("post_id", "post", {A: 401, R: 403, E: 200}),
    "api:verify_post": ("post_id", "post", {A: 401, R: 403, E: 200, CB: 200}),
    "api:list_post_kinds": ("", "get", {A: 200, R: 200}),
    "api:list_rules": ("", "get", {A: 401, R: 403, E: 403, CO: 200, CB: 200}),
    "api:create_rule": ("", "post", {A: 401, R: 403, E: 403, CO: 400}),
    "api:patch_rule": ("rule_id", "patch", {A: 401, R: 403, CB: 403, CO: 200}),
    "api:list_gaps": ("", "get", {A: 401, R: 403, E: 403, CO: 200, CB: 200}),
    # Protocols of cooperation: public text; partners' editors write their commitments and
    # reviews; the coordinating organisation's network coordinators record signatures.
    "network:protocols": ("", "get", {A: 200, R: 200}),
    "network:protocol": ("protocol", "get", {A: 200, R: 200, E: 200}),
    "network:signatory_add": ("protocol", "get", {A: LOGIN, R: 403, E: 403, CO: 200, CB: 403}),
    "network:commitments_edit": ("signatory", "get", {A: LOGIN, R: 403, E: 200, CB: 403}),
    "network:review_edit": ("review", "get", {A: LOGIN, R: 403, E: 200, CO: 200, CB: 403}),
    "api:list_protocols": ("", "get", {A: 200, R: 200}),
    "api:get_protocol": ("protocol", "get", {A: 200, R: 200}),
    "api:add_signatory": ("protocol", "post", {A: 401, R: 403, CB: 403, CO: 400}),
    "api:put_commitments": ("signatory_api", "put", {A: 401, R: 403, CB: 403, E: 200}),
    "api:list_reviews": ("reviews_api", "get", {A: 401, R: 200, CB: 200}),
    "api:put_review": ("review_api", "put", {A: 401, R: 403, CB: 403, E: 200}),
    # Imports into the directory: network coordinators only.
    "network:import": ("", "get", {A: LOGIN, R: 403, C: 403, E: 403, CO: 200, CB: 200}),
    "network:import_template": ("template", "get", {A: LOGIN, R: 403, E: 403, CO: 200}),
    "api:import_directory": ("", "post", {A: 401, R: 403, E: 403, CO: 400}),
    # Platforms: public ones for everyone; the inside (seats, meetings) for members (org A
    # sits in livc-a, only org B in livc-b) and network coordinators; managed by network
    # coordinators and the coordinators of the coordinating organisation.
    "platforms:list": ("", "get", {A: 200, R: 200, CO: 200}),
    "platforms:create": ("", "get", {A: LOGIN, R: 403, E: 403, CO: 200, CB: 200}),
    "platforms:detail": ("platform_b", "get", {A: 404, R: 404, E: 404, CO: 200, CB: 200}),
    "platforms:edit": ("platform", "get", {A: LOGIN, R: 403, E: 403, D: 403, CO: 200, CB: 200}),
    "platforms:calendar": ("platform_b", "get", {A: 404, R: 404, CB: 200}),
    "platforms:member_add": ("platform", "get", {A: LOGIN, R: 403, E: 403, CO: 200}),
    "platforms:member_end": ("membership", "get", {A: LOGIN, R: 403, CO: 200}),
    "platforms:meeting_create": ("platform", "get", {A: LOGIN, R: 403, E: 403, CO: 200}),
    "platforms:meeting": ("meeting_b", "get", {A: 404, R: 404, E: 404, CB: 200}),
    "platforms:meeting_ics": ("meeting", "get", {A: 404, R: 200, E: 200, CB: 200}),
    "platforms:minutes": ("meeting", "get", {A: LOGIN, R: 403, E: 403, CO: 200}),
    "platforms:decision_add": ("meeting", "get", {A: LOGIN, R: 403, CO: 200}),
    "platforms:action_add": ("meeting", "get", {A: LOGIN, R: 403, CO: 200}),
    "platforms:action_done": ("action", "post", {A: LOGIN, R: 403, CO: 302}),
    "api:list_platforms": ("", "get", {A: 200, R: 200}),
    "api:get_platform": ("platform_b", "get", {A: 404, R: 404, CB: 200}),
    "api:list_platform_members": ("platform", "get", {A: 404, R: 200}),
    "api:list_platform_meetings": ("platform_b", "get", {A: 401, R: 404, CB: 200}),
    "api:get_platform_meeting": ("platform_meeting", "get", {A: 401, R: 200, CB: 200}),
    "api:create_platform_meeting": ("platform", "post", {A: 401, R: 403, CO: 400}),
    "platforms:meeting_edit": ("meeting", "get", {A: LOGIN, R: 403, E: 403, CO: 200, CB: 200}),
    "platforms:calendar_subscription": ("", "get", {A: LOGIN, R: 200, CB: 200}),
    "platforms:calendar_feed": ("feed", "get", {A: 404, R: 404}),  # unknown token
    "api:add_platform_member": ("platform", "post", {A: 401, R: 403, CO: 400}),
    "api:end_platform_member": ("platform_membership", "post", {A: 401, R: 403, CO: 400}),
    "api:patch_platform_meeting": ("platform_meeting", "patch", {A: 401, R: 403, CB: 200}),
    "api:put_meeting_minutes": ("platform_meeting", "put", {A: 401, R: 403, CO: 200}),
    "api:add_meeting_decision": ("platform_meeting", "post", {A: 401, R: 403, CO: 400}),
    "api:add_meeting_action": ("platform_meeting", "post", {A: 401, R: 403, CO: 400}),
    "api:mark_meeting_action_done": ("platform_action", "post", {A: 401, R: 403, CO: 200}),
}
# The admin: every page sends anonymous visitors to the (allauth) login and refuses
# members who are not staff.
ADMIN_EXPECTED = {A: LOGIN, R: LOGIN}


def url_names():
    def walk(resolver, namespace=""):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(
                    pattern, namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                )
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield namespace + pattern.name

    return set(walk(get_resolver()))


class UrlMatrixTest(Personas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.round = services.open_round(
            cls.plan, acting_user=cls.coordinator, name="R", period="2018", deadline=cls.future()
        )
        from accounts.services import create_api_token

        cls.token, _secret = create_api_token(cls.contact_a, name="t", scope="read")
        from django.core.files.base import ContentFile

        from plans.models import PlanImport

        cls.evidence = services.attach_evidence(
            cls.round.updates.get(item__code="1.1"),
            ContentFile(b"report", name="report.txt"),
            acting_user=cls.contact_a,
        )
        from plans.models import Indicator

        cls.indicator = Indicator.objects.create(item=cls.measure, name={"en": "Reached"})
        from network.models import Protocol, Signatory

        cls.protocol = Protocol.objects.create(key="pact", title={"en": "P"}, coordinator=cls.org_a)
        cls.signatory = Signatory.objects.create(
            protocol=cls.protocol, organisation=cls.org_a, signed_on="2018-01-01", signed_by="A"
        )
        cls.plan_import = PlanImport.objects.create(
            plan=cls.plan, filename="x.csv", created_by=cls.coordinator
        )
        cls.platforms_fixture()

    @classmethod
    def platforms_fixture(cls):
        """Two LIVC-Rs coordinated by agency B: A sits in livc-a (through Rita's post),
        only B in livc-b."""
        import datetime

        from platforms.models import ActionItem, Meeting, Membership, Platform

        since = datetime.date(2020, 1, 1)
        cls.platform_a = Platform.objects.create(
            key="livc-a", name={"en": "LIVC-R A"}, kind="livc_r", coordinator=cls.org_b
        )
        cls.membership = Membership.objects.create(
            platform=cls.platform_a, organisation=cls.org_a, post=cls.post_a, starts_on=since
        )
        cls.platform_b = Platform.objects.create(
            key="livc-b", name={"en": "LIVC-R B"}, kind="livc_r", coordinator=cls.org_b
        )
        Membership.objects.create(platform=cls.platform_b, organisation=cls.org_b, starts_on=since)
        starts = datetime.datetime(2030, 1, 7, 14, tzinfo=datetime.UTC)
        ends = starts + datetime.timedelta(hours=2)
        cls.meeting_a = Meeting.objects.create(
            platform=cls.platform_a, title={"en": "Quarterly"}, starts_at=starts, ends_at=ends
        )
        cls.meeting_b = Meeting.objects.create(
            platform=cls.platform_b, title={"en": "Quarterly"}, starts_at=starts, ends_at=ends
        )
        cls.action_a = ActionItem.objects.create(
            meeting=cls.meeting_a, title="Share the charter", owner=cls.org_a
        )

    def kwargs(self, key):
        return {
            "": {},
            "plan": {"slug": "plan-a"},
            "export": {"slug": "plan-a", "fmt": "csv"},
            "measure": {"slug": "plan-a", "code": "1.1"},
            "measure_id": {"measure_id": self.measure.pk},
            "round": {"slug": "plan-a", "round_id": self.round.pk},
            "round_id": {"round_id": self.round.pk},
            "import": {"slug": "plan-a", "import_id": self.plan_import.pk},
            "plan_import": {"slug": "plan-a", "import_id": self.plan_import.pk},
            "evaluation_pdf": {"slug": "plan-a", "round_id": self.round.pk, "fmt": "pdf"},
            "update": {"slug": "plan-a", "round_id": self.round.pk, "code": "1.1"},
            "update_id": {"round_id": self.round.pk, "code": "1.1"},
            "token": {"token_id": self.token.pk},
            "indicator": {"slug": "plan-a", "code": "1.1", "indicator_id": self.indicator.pk},
            "indicator_id": {"measure_id": self.measure.pk, "indicator_id": self.indicator.pk},
            "evidence": {
                "slug": "plan-a",
                "round_id": self.round.pk,
                "code": "1.1",
                "file_id": self.evidence.pk,
            },
            "pk": {"pk": 999999},
            "hsds": {"language": "nl"},
            "template": {"kind": "organisations"},
            "post": {"post_uuid": self.post_a.uuid},
            "protocol": {"key": "pact"},
            "signatory": {"key": "pact", "signatory_id": self.signatory.pk},
            "review": {"key": "pact", "signatory_id": self.signatory.pk, "year": 2020},
            "signatory_api": {"key": "pact", "organisation": "agency-a"},
            "reviews_api": {"key": "pact", "year": 2020},
            "review_api": {"key": "pact", "organisation": "agency-a", "year": 2020},
            "private_post": {"post_uuid": self.private_post_b.uuid},
            "post_id": {"post_id": self.post_a.uuid},
            "private_post_id": {"post_id": self.private_post_b.uuid},
            "rule": {"rule_id": self.rule.pk},
            "rule_id": {"rule_id": self.rule.pk},
            "org": {"key": "agency-a"},
            "service": {"service_uuid": self.service_a.uuid},
            "private_service": {"service_uuid": self.private_service_b.uuid},
            "service_id": {"service_id": self.service_a.uuid},
            "private_service_id": {"service_id": self.private_service_b.uuid},
            "platform": {"key": "livc-a"},
            "platform_b": {"key": "livc-b"},
            "membership": {"key": "livc-a", "membership_id": self.membership.pk},
            "meeting": {"meeting_uuid": self.meeting_a.uuid},
            "meeting_b": {"meeting_uuid": self.meeting_b.uuid},
            "action": {"meeting_uuid": self.meeting_a.uuid, "action_id": self.action_a.pk},
            "platform_meeting": {"key": "livc-a", "meeting_id": self.meeting_a.uuid},
            "platform_membership": {"key": "livc-a", "membership_id": self.membership.pk},
            "platform_action": {
                "key": "livc-a",
                "meeting_id": self.meeting_a.uuid,
                "action_id": self.action_a.pk,
            },
            "feed": {"token": "not-a-feed-token"},
            "reset_key": {"uidb36": "1", "key": "bad-key"},
            "email_key": {"key": "bad-key"},
        }[key]

    def body(self, name):
        update = self.round.updates.get(item__code="1.1")
        if name == "api:put_update":
            return json.dumps({"status": "in_progress", "percent": 10, "version": update.version})
        if name == "api:open_round":
            return json.dumps(
                {"name": "X", "period": "2019", "deadline": self.future().isoformat()}
            )
        if name in ("api:create_indicator", "api:put_indicator"):
            return json.dumps({"name": {}})
        if name == "api:put_measure_details":
            return json.dumps(
                {
                    "version": 0,
                    "actors": [{"organisation": "nobody"}],
                    "ministers": [],
                    "budget_lines": [],
                }
            )
        if name == "api:patch_plan":
            return json.dumps({"period_end": 2020})
        if name == "api:patch_measure":
            return json.dumps({"version": self.measure.version})
        if name == "api:create_plan":
            return json.dumps({"slug": "x", "title": {}, "period_start": 1, "period_end": 1})
        if name == "api:patch_organisation":
            return json.dumps({"phone": "+32 81 24 60 00"})
        if name in ("api:create_service", "api:patch_service"):
            return json.dumps({"name": {"en": "Parents' line"}})
        if name in ("api:create_post", "api:patch_post"):
            return json.dumps({"kind": "reference-person", "area": "Namur"})
        if name == "api:appoint_to_post":  # a new person without a name: 400
            return json.dumps({"email": "new@a.test", "starts_on": "2020-01-01"})
        if name == "api:vacate_post":
            return json.dumps({"ends_on": "2020-06-01"})
        if name == "api:add_signatory":  # agency A has signed already: 400
            return json.dumps(
                {"organisation": "agency-a", "signed_on": "2020-01-01", "signed_by": "A"}
            )
        if name in ("api:put_commitments", "api:put_review"):
            return json.dumps({"expertise": "Shared tools"})
        if name == "api:create_rule":
            return json.dumps({"name": {"en": "No scope"}, "kind": "reference-person"})
        if name == "api:patch_rule":
            return json.dumps({"minimum_total": 2})
        if name == "api:create_platform_meeting":  # no title: 400, nothing written
            return json.dumps(
                {"title": {}, "starts_at": "2030-01-07T14:00Z", "ends_at": "2030-01-07T16:00Z"}
            )
        if name == "api:add_platform_member":  # no such organisation: 400
            return json.dumps({"organisation": "nobody", "starts_on": "2024-01-01"})
        if name == "api:end_platform_member":  # before the start: 400
            return json.dumps({"ends_on": "2019-01-01"})
        if name == "api:patch_platform_meeting":
            return json.dumps({"location": "Town hall"})
        if name == "api:put_meeting_minutes":
            return json.dumps({"status": "held", "minutes": "Short."})
        if name == "api:add_meeting_decision":  # empty: 400
            return json.dumps({"text": ""})
        if name == "api:add_meeting_action":  # no such organisation: 400
            return json.dumps({"title": "Call", "owner": "nobody"})
        if name == "api:mark_meeting_action_done":
            return json.dumps({"done_on": "2030-01-08"})
        if name == "api:review_update":
            return json.dumps({"decision": "publish"})
        return None

    def persona(self, label):
        return {
            R: self.reader,
            C: self.contact_a,
            CO: self.coordinator,
            CB: self.coordinator_b,
            D: self.dpo,
            E: self.editor_a,
        }.get(label)

    def check(self, name, key, method, persona, expected):
        self.client.logout()
        user = self.persona(persona)
        if user is not None:
            self.login(user)
        url = reverse(name, kwargs=self.kwargs(key))
        body = self.body(name)
        if name in ("plans:update_review", "api:review_update"):
            services.save_update(
                self.round.updates.get(item__code="1.1"),
                {"status": "in_progress", "percent": 10},
                acting_user=self.contact_a,
                expected_version=self.round.updates.get(item__code="1.1").version,
                submit=True,
            )
        call = getattr(self.client, method)
        if name == "api:create_import":
            upload = SimpleUploadedFile("p.csv", b"code,parent,kind\n")
            response = call(url, {"file": upload})
        elif name == "api:import_directory":  # a header without rows: 400, nothing written
            upload = SimpleUploadedFile("d.csv", b"key,name_nl\n")
            response = call(url, {"kind": "organisations", "file": upload})
        elif body is not None:
            response = call(url, data=body, content_type="application/json")
        else:
            response = call(url)
        self.assertEqual(
            response.status_code,
            expected,
            f"{method.upper()} {name} as {persona}: {response.status_code}",
        )

    def test_it_has_an_entry_for_every_url(self):
        missing = {n for n in url_names() if not n.startswith("admin:")} - set(MATRIX)
        for app in OWN_MATRICES:  # modules with their own matrix
            missing -= set(importlib.import_module(f"{app}.tests.test_matrix").MATRIX)
        self.assertEqual(missing, set(), "Add these URLs to the authorization matrix")

    def test_it_has_no_entry_for_a_removed_url(self):
        self.assertEqual(set(MATRIX) - url_names(), set())

    def test_it_answers_every_url_as_expected(self):
        for name, (key, method, expectations) in MATRIX.items():
            for persona, expected in expectations.items():
                with self.subTest(name=name, persona=persona), transaction.atomic():
                    self.check(name, key, method, persona, expected)
                    transaction.set_rollback(True)

    def test_it_guards_every_admin_url(self):
        names = sorted(n for n in url_names() if n.startswith("admin:"))
        self.assertGreater(len(names), 10)
        for persona, expected in ADMIN_EXPECTED.items():
            self.client.logout()
            user = self.persona(persona)
            if user is not None:
                self.login(user)
            response = self.client.get(reverse("admin:index"))
            self.assertEqual(response.status_code, expected, persona)
