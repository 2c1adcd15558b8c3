"""Users manage their own tokens only."""

from django.http import Http404

from accounts.models import ApiToken


def get_token_for_user(user, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise Http404
    return token
