"""Audit events for logging in and out (allauth's own events, hence signal receivers)."""

from allauth.mfa.signals import authenticator_removed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.middleware import MFA_OK_KEY
from audit.services import record


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record("user.logged_in", actor=user, target=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record("user.logged_out", actor=user, target=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    record("user.login_failed")


@receiver(authenticator_removed)
def on_authenticator_removed(sender, request, authenticator, **kwargs):
    request.session.pop(MFA_OK_KEY, None)
    record(
        "user.mfa_removed",
        actor=request.user,
        target=request.user,
        changes={"type": [authenticator.type, None]},
    )
