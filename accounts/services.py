"""Writes about accounts: language preference and API tokens, each audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User
from audit.services import record


def set_language(user: User, language: str, *, acting_user: User) -> User:
    with transaction.atomic():
        old = user.language
        user.language = language
        user.save(update_fields=["language"])
        record(
            "user.language_changed",
            actor=acting_user,
            target=user,
            changes={"language": [old, language]},
        )
    return user


def create_api_token(user: User, *, name: str, scope: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored nor shown again."""
    secret = ApiToken.generate_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip(),
            scope=scope,
            prefix=secret[4:12],
            digest=ApiToken.hash(secret),
        )
        record(
            "api_token.created",
            actor=user,
            target=token,
            changes={"name": [None, token.name], "scope": [None, scope]},
        )
    return token, secret


def revoke_api_token(token: ApiToken, *, acting_user: User) -> ApiToken:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record("api_token.revoked", actor=acting_user, target=token)
    return token


def authenticate_token(secret: str) -> User | None:
    """The active user owning an active token with this secret, or None."""
    if not secret.startswith("syn_"):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.hash(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user = token.user
    user.api_token = token  # type: ignore[attr-defined]
    return user
