"""Session lifetime, the user's language and the MFA requirement."""

import hashlib
import time

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from accounts.roles import requires_mfa

LOGIN_AT_KEY = "synergie_login_at"
MFA_OK_KEY = "synergie_mfa_ok"
SEEN_AT_KEY = "synergie_seen_at"
CLIENT_KEY = "synergie_client"


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


class SessionLifetimeMiddleware:
    """Ends a session after its absolute lifetime, whatever the activity (the idle timeout
    is SESSION_COOKIE_AGE, renewed by SessionActivityMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.setdefault(LOGIN_AT_KEY, int(time.time()))
            if time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect(reverse("account_login"))
        return self.get_response(request)


class UserLanguageMiddleware:
    """A logged-in user's chosen language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = getattr(request.user, "language", "") if request.user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class RequireMFAMiddleware:
    """Users whose role can see personal data must set up a second factor before anything
    else. allauth has no such switch; it only asks for the factor once one exists."""

    # Only what it takes to set up the factor or leave: not the profile, where API tokens
    # are made.
    ALLOWED_PREFIXES = (
        "/accounts/2fa/",
        "/accounts/login/",
        "/accounts/logout/",
        "/accounts/reauthenticate/",
        "/accounts/password/reset/",
        "/language",
        "/static/",
        "/healthz",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not request.path.startswith("/api/")
            and not request.session.get(MFA_OK_KEY)
            and requires_mfa(user)
        ):
            if not has_second_factor(user):
                return redirect(reverse("mfa_activate_totp") + "?next=" + request.path)
            request.session[MFA_OK_KEY] = True
        return self.get_response(request)


def _client_digest(request) -> str:
    """Which client (address and browser) uses the session, without storing either."""
    seen = f"{request.META.get('REMOTE_ADDR', '')}|{request.META.get('HTTP_USER_AGENT', '')}"
    return hashlib.blake2b(seen.encode(), digest_size=8).hexdigest()


class SessionActivityMiddleware:
    """Keeps a signed-in session alive and its entry in "My sessions" current, without
    writing on every request.

    The session is saved, which pushes its expiry SESSION_COOKIE_AGE ahead (the idle
    timeout), and allauth's session record gets its last-seen time, address and browser,
    when SESSION_ACTIVITY_SECONDS have passed since the last time or when the address or
    browser changed. In between, a request writes nothing: two UPDATEs and a commit fewer
    per request. The idle timeout is therefore SESSION_COOKIE_AGE minus at most
    SESSION_ACTIVITY_SECONDS. Stands in for allauth's UserSessionsMiddleware
    (USERSESSIONS_TRACK_ACTIVITY, which writes on every request, is off); allauth still
    records the session at login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key and request.user.is_authenticated:
            now = int(time.time())
            client = _client_digest(request)
            seen_at = session.get(SEEN_AT_KEY, 0)
            if (
                now - seen_at >= settings.SESSION_ACTIVITY_SECONDS
                or session.get(CLIENT_KEY) != client
            ):
                session[SEEN_AT_KEY] = now  # marks the session modified: saved, expiry renewed
                session[CLIENT_KEY] = client
                UserSession.objects.create_from_request(request)
        return self.get_response(request)
