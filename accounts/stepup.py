"""Step-up authentication: re-enter the second factor before a sensitive act (exporting a
file, revealing a national number, break-glass).

In the browser, allauth's MFA re-authentication page records an "mfa" authentication in the
session; an act is allowed for STEP_UP_SECONDS after it. Through the API, the request
carries a current TOTP code in the X-Synergie-OTP header.
"""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlencode

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

STEP_UP_SECONDS = getattr(settings, "STEP_UP_SECONDS", 300)
OTP_HEADER = "X-Synergie-OTP"


def recently_stepped_up(request) -> bool:
    records = get_authentication_records(request, request.user)
    now = time.time()
    return any(
        r.get("method") == "mfa" and now - float(r.get("at", 0)) < STEP_UP_SECONDS for r in records
    )


def step_up_url(request, next_url: str | None = None) -> str:
    return (
        reverse("mfa_reauthenticate")
        + "?"
        + urlencode({"next": next_url or request.get_full_path()})
    )


def step_up_required(view):
    """A view that first asks for the second factor again (GET and POST alike: a POST
    without a recent step-up is sent to re-authenticate and back to the page's GET)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not recently_stepped_up(request):
            return redirect(step_up_url(request, request.path))
        return view(request, *args, **kwargs)

    return wrapper


def otp_valid(user, code: str | None) -> bool:
    """A current TOTP code of the user's authenticator (API step-up)."""
    if not code:
        return False
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return authenticator is not None and TOTP(authenticator).validate_code(code.strip())
