from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import TokenScope


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. our case system.")
    )
    scope = forms.ChoiceField(label=_("Access"), choices=TokenScope.choices)
