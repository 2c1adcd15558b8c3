from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def raise_form_errors(form) -> None:
    """Turn an invalid form into a ValidationError keyed by field (for the API)."""
    if not form.is_valid():
        raise ValidationError({field: list(errors) for field, errors in form.errors.items()})


class TranslatedForm(forms.Form):
    """A form with per-language fields gathered into {"nl": …} dicts by translations()."""

    def __init__(self, *args, **kwargs):
        self.translated: list[tuple[str, bool]] = []
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        for name, required_one in self.translated:
            if required_one and not any(
                (data.get(f"{name}_{code}") or "").strip() for code, _l in settings.LANGUAGES
            ):
                self.add_error(
                    f"{name}_{settings.LANGUAGES[0][0]}", _("Fill in at least one language.")
                )
        return data

    def add_translated(
        self, name: str, label, *, required_one: bool, max_length: int, textarea: bool = False
    ) -> None:
        """Add one field per language (title_nl, title_fr, …)."""
        for code, language in settings.LANGUAGES:
            self.fields[f"{name}_{code}"] = forms.CharField(
                label=f"{label} ({language})",
                required=False,
                max_length=max_length,
                widget=forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput(),
            )
        self.translated.append((name, required_one))

    def translations(self, name: str) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(f"{name}_{code}", "") for code, _l in settings.LANGUAGES
        }

    @staticmethod
    def initial_for(name: str, values: dict) -> dict[str, str]:
        return {f"{name}_{code}": (values or {}).get(code, "") for code, _l in settings.LANGUAGES}
