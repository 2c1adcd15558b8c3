"""Step-up authentication: re-enter the second factor before a sensitive act (exporting a
file, revealing a national number, break-glass).

In the browser, allauth's MFA re-authentication page records an "mfa" authentication in the
session; an act is allowed for STEP_UP_SECONDS after it. Through the API, the request
carries a current TOTP code in the X-Synergie-OTP header.
"""

from __future__ import annotations

import json
import time
from functools import wraps
from urllib.parse import urlencode

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from cryptography.fernet import InvalidToken
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from core.encryption import decrypt_bytes, encrypt_bytes

STEP_UP_SECONDS = getattr(settings, "STEP_UP_SECONDS", 300)
OTP_HEADER = "X-Synergie-OTP"
PENDING_KEY = "stepup_pending"  # the form a POST carried when the factor was asked again


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
    without a recent step-up is sent to re-authenticate and back to the page's GET, its
    fields kept in the session for pending_form_data to fill the form again; nothing is
    submitted on the user's behalf)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not recently_stepped_up(request):
            if request.method == "POST":
                _keep_pending(request)
            return redirect(step_up_url(request, request.path))
        return view(request, *args, **kwargs)

    return wrapper


def _keep_pending(request) -> None:
    """Keep the POST's fields in the session, encrypted like the free text they may hold
    (a break-glass reason)."""
    fields = {
        name: request.POST.getlist(name) for name in request.POST if name != "csrfmiddlewaretoken"
    }
    if not fields:
        request.session.pop(PENDING_KEY, None)
        return
    token = encrypt_bytes(json.dumps({"path": request.path, "fields": fields}).encode())
    request.session[PENDING_KEY] = token.decode("ascii")


def pending_form_data(request) -> dict:
    """The fields of the POST that was sent to re-authenticate, once, on the GET of the page
    it was sent from (a form's `initial`); {} otherwise. Taken from the session when read."""
    if request.method != "GET" or PENDING_KEY not in request.session:
        return {}
    try:
        pending = json.loads(decrypt_bytes(request.session.pop(PENDING_KEY).encode("ascii")))
    except (InvalidToken, ValueError, AttributeError):
        return {}
    if pending.get("path") != request.path:
        return {}
    return {
        name: values[0] if len(values) == 1 else values
        for name, values in pending.get("fields", {}).items()
    }


def otp_valid(user, code: str | None) -> bool:
    """A current TOTP code of the user's authenticator (API step-up)."""
    if not code:
        return False
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return authenticator is not None and TOTP(authenticator).validate_code(code.strip())
