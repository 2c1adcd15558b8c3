from django.conf import settings
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.services import set_language as save_language
from plans.access import visible_plans


def home(request):
    plans = visible_plans(request.user).select_related("owner")[:10]
    return render(request, "core/home.html", {"plans": plans})


def healthz(request):
    """For load balancers: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_POST
def set_language(request):
    """Switch the interface language; remembered on the account of a logged-in user."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            samesite="Lax",
            max_age=365 * 24 * 3600,
            secure=request.is_secure(),
        )
        if request.user.is_authenticated and request.user.language != language:
            save_language(request.user, language, acting_user=request.user)
    return response
