"""What every app's API shares: authentication, write-scope check, JSON errors, the router of
an API split into a package."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.security import HttpBearer, SessionAuth

from accounts.middleware import MFA_OK_KEY, has_second_factor
from accounts.roles import requires_mfa
from accounts.services import authenticate_token
from accounts.stepup import OTP_HEADER, otp_valid


class TokenAuth(HttpBearer):
    """Authorization: Bearer syn_… — a personal API token."""

    def authenticate(self, request: HttpRequest, token: str):
        user = authenticate_token(token)
        if user is None:
            return None
        if requires_mfa(user) and not has_second_factor(user):
            return None  # the role now needs a second factor the account lacks
        request.user = user
        return user


class MFASessionAuth(SessionAuth):
    """The browser session, for the UI's own calls; honours the MFA requirement."""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = request.user
        if not user.is_authenticated:
            return None
        if request.session.get(MFA_OK_KEY) or not requires_mfa(user) or has_second_factor(user):
            return user
        return None


def anonymous(request: HttpRequest):
    """Public endpoints also answer without credentials; a bad token is still refused."""
    if request.headers.get("Authorization"):
        return None
    return AnonymousUser()


token_auth = TokenAuth()
session_auth = MFASessionAuth()
AUTHENTICATED = [token_auth, session_auth]
PUBLIC = [token_auth, session_auth, anonymous]


def require_write(request: HttpRequest) -> None:
    """A read-only token may not change anything."""
    token = getattr(getattr(request, "auth", None), "api_token", None)
    if token is not None and not token.can_write:
        raise PermissionDenied("read-only token")


class Translations(Schema):
    """A text in each language of the UI; a language left out is empty."""

    nl: str = ""
    fr: str = ""
    de: str = ""
    en: str = ""


class ErrorOut(Schema):
    """The body of every error answer."""

    detail: str


def display_name(user) -> str:
    """A user as the API names them: their name, or their e-mail address."""
    return (user.full_name or user.email) if user else ""


def step_up_refused(request) -> Status | None:
    """A 403 unless the request carries a current TOTP code of the user (step-up)."""
    if otp_valid(request.auth, request.headers.get(OTP_HEADER)):
        return None
    message = _(
        "Confirm this with a current code of your authenticator app in the %(header)s header."
    ) % {"header": OTP_HEADER}
    return Status(403, {"detail": message})


class PackageRouter(Router):
    """The router of an app whose API is a package of modules. Its operations keep the ids
    they had when the API was one module, `<prefix><function name>` ("cases_api_…"): ninja
    would otherwise derive them from each function's module."""

    def __init__(self, operation_prefix: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.operation_prefix = operation_prefix

    def add_api_operation(
        self,
        path: str,
        methods: list[str],
        view_func: Any,
        *,
        operation_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        operation_id = operation_id or f"{self.operation_prefix}{view_func.__name__}"
        super().add_api_operation(path, methods, view_func, operation_id=operation_id, **kwargs)
