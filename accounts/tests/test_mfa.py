import datetime
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import LOGIN_AT_KEY
from accounts.roles import Role
from audit.models import AuditEvent
from core.testing import PASSWORD, TOTP_SECRET, Personas, make_user

ONE_MINUTE = datetime.timedelta(minutes=1)


def current_code() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


class MfaTest(Personas):
    def test_it_sends_a_personal_data_role_without_a_factor_to_the_totp_setup(self):
        officer = make_user("officer@a.test", self.org_a, Role.REFERRAL_OFFICER)
        self.login(officer)
        response = self.client.get(reverse("plans:list"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("mfa_activate_totp")))

    def test_it_does_not_ask_a_second_factor_of_roles_without_personal_data(self):
        self.login(self.contact_a)
        self.assertEqual(self.client.get(reverse("plans:list")).status_code, 200)

    def test_it_refuses_the_api_session_of_a_user_who_lacks_the_factor(self):
        officer = make_user("officer@a.test", self.org_a, Role.REFERRAL_OFFICER)
        self.login(officer)
        self.assertEqual(self.client.get("/api/v1/plans/plan-a/rounds").status_code, 401)

    def test_it_logs_in_with_password_and_totp_code(self):
        response = self.client.post(
            reverse("account_login"), {"login": "dpo@a.test", "password": PASSWORD}
        )
        self.assertRedirects(response, reverse("mfa_authenticate"), fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        response = self.client.post(reverse("mfa_authenticate"), {"code": "000000"})
        self.assertNotIn("_auth_user_id", self.client.session)
        response = self.client.post(reverse("mfa_authenticate"), {"code": current_code()})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.session["_auth_user_id"], str(self.dpo.pk))
        self.assertEqual(self.client.get(reverse("audit:search")).status_code, 200)
        self.assertTrue(AuditEvent.objects.filter(action="user.logged_in", actor=self.dpo).exists())

    def test_it_refuses_a_wrong_password_and_logs_the_failure(self):
        response = self.client.post(
            reverse("account_login"), {"login": "dpo@a.test", "password": "wrong"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertTrue(AuditEvent.objects.filter(action="user.login_failed").exists())

    def test_it_keeps_sign_up_closed(self):
        response = self.client.post(
            reverse("account_signup"),
            {"email": "new@x.test", "password1": PASSWORD, "password2": PASSWORD},
        )
        self.assertFalse(self.client.session.get("_auth_user_id"))
        self.assertEqual(response.status_code, 200)


class SessionTest(Personas):
    def test_it_ends_a_session_past_its_absolute_lifetime(self):
        self.login(self.reader)
        session = self.client.session
        session[LOGIN_AT_KEY] = int(time.time()) - 11 * 3600
        session.save()
        response = self.client.get(reverse("accounts:profile"))
        self.assertEqual(response.status_code, 302)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_it_keeps_a_fresh_session(self):
        self.login(self.reader)
        self.assertEqual(self.client.get(reverse("accounts:profile")).status_code, 200)

    def test_it_ends_the_server_session_on_logout(self):
        self.login(self.reader)
        key = self.client.session.session_key
        self.client.post(reverse("account_logout"))
        from django.contrib.sessions.models import Session

        self.assertFalse(Session.objects.filter(session_key=key).exists())

    def test_it_uses_an_idle_timeout(self):
        from django.conf import settings

        self.assertLessEqual(settings.SESSION_COOKIE_AGE, 3600)
        self.assertLess(settings.SESSION_ACTIVITY_SECONDS, settings.SESSION_COOKIE_AGE / 10)

    def _session_rows(self):
        from allauth.usersessions.models import UserSession
        from django.contrib.sessions.models import Session

        key = self.client.session.session_key
        return Session.objects.get(session_key=key), UserSession.objects.get(session_key=key)

    def test_it_renews_the_session_once_a_minute_not_on_every_request(self):
        from unittest import mock

        from django.conf import settings
        from django.contrib.sessions.models import Session

        self.login(self.reader)
        self.client.get(reverse("accounts:profile"))
        session, user_session = self._session_rows()
        Session.objects.filter(pk=session.pk).update(expire_date=session.expire_date - ONE_MINUTE)
        type(user_session).objects.filter(pk=user_session.pk).update(
            last_seen_at=user_session.last_seen_at - ONE_MINUTE
        )
        with CaptureQueriesContext(connection) as queries:
            self.client.get(reverse("accounts:profile"))  # within the minute: nothing written
        writes = [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT"))]
        self.assertEqual(writes, [])
        still, still_seen = self._session_rows()
        self.assertEqual(still.expire_date, session.expire_date - ONE_MINUTE)
        self.assertEqual(still_seen.last_seen_at, user_session.last_seen_at - ONE_MINUTE)

        later = time.time() + settings.SESSION_ACTIVITY_SECONDS + 1
        with mock.patch("accounts.middleware.time.time", return_value=later):
            self.client.get(reverse("accounts:profile"))
        renewed, renewed_seen = self._session_rows()
        self.assertGreater(renewed.expire_date, session.expire_date - ONE_MINUTE)
        self.assertGreater(renewed_seen.last_seen_at, user_session.last_seen_at - ONE_MINUTE)

    def test_a_new_browser_on_the_session_is_recorded_at_once(self):
        self.login(self.reader)
        self.client.get(reverse("accounts:profile"), HTTP_USER_AGENT="First browser")
        self.client.get(reverse("accounts:profile"), HTTP_USER_AGENT="Second browser")
        _session, user_session = self._session_rows()
        self.assertEqual(user_session.user_agent, "Second browser")

    def test_an_idle_session_ends(self):
        from django.contrib.sessions.models import Session

        self.login(self.reader)
        self.client.get(reverse("accounts:profile"))
        key = self.client.session.session_key
        Session.objects.filter(session_key=key).update(expire_date=timezone.now())
        response = self.client.get(reverse("accounts:profile"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("account_login")))


class PasswordResetTest(Personas):
    def test_it_mails_a_reset_link_without_telling_whether_the_address_exists(self):
        from django.core import mail

        known = self.client.post(reverse("account_reset_password"), {"email": "reader@a.test"})
        unknown = self.client.post(reverse("account_reset_password"), {"email": "nobody@a.test"})
        self.assertEqual(known.status_code, unknown.status_code)
        self.assertEqual(
            [m.to for m in mail.outbox if "reader@a.test" in m.to], [["reader@a.test"]]
        )
        self.assertIn("/accounts/password/reset/key/", mail.outbox[0].body)


class MfaLoopholeTest(Personas):
    def test_it_keeps_a_user_without_factor_away_from_token_creation(self):
        officer = make_user("officer@a.test", self.org_a, Role.REFERRAL_OFFICER)
        self.login(officer)
        response = self.client.post(
            reverse("accounts:token_create"), {"name": "x", "scope": "read"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(officer.api_tokens.exists())

    def test_it_refuses_a_token_whose_owner_now_lacks_the_factor(self):
        from accounts.services import create_api_token

        _token, secret = create_api_token(self.reader, name="x", scope="read")
        self.reader.groups.add(Group.objects.get(name=Role.REFERRAL_OFFICER))
        response = self.client.get(
            "/api/v1/plans/plan-a/rounds", HTTP_AUTHORIZATION=f"Bearer {secret}"
        )
        self.assertEqual(response.status_code, 401)
