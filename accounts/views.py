from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access, services
from accounts.forms import ApiTokenForm, LanguageForm
from accounts.roles import Role, roles_of


@login_required
def profile(request):
    role_labels = [label for value, label in Role.choices if value in roles_of(request.user)]
    return render(
        request,
        "accounts/profile.html",
        {
            "roles": role_labels,
            "language_form": LanguageForm(
                initial={"language": request.user.language or request.LANGUAGE_CODE}
            ),
            "token_form": ApiTokenForm(),
            "tokens": request.user.api_tokens.all(),
        },
    )


@login_required
@require_POST
def language(request):
    form = LanguageForm(request.POST)
    if form.is_valid():
        services.set_language(request.user, form.cleaned_data["language"], acting_user=request.user)
    return redirect("accounts:profile")


@login_required
@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accounts/profile.html",
            {
                "token_form": form,
                "tokens": request.user.api_tokens.all(),
                "language_form": LanguageForm(),
            },
            status=400,
        )
    token, secret = services.create_api_token(request.user, **form.cleaned_data)
    messages.success(request, _("Your new token is shown once; copy it now."))
    return render(request, "accounts/token_created.html", {"token": token, "secret": secret})


@login_required
@require_POST
def token_revoke(request, token_id):
    token = access.get_token_for_user(request.user, token_id)
    services.revoke_api_token(token, acting_user=request.user)
    messages.success(request, _("The token is revoked."))
    return redirect("accounts:profile")
