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


MAX_KEY = 2**63 - 1


def _out_of_range(field, value) -> bool:
    """A primary key the database cannot even compare (SQLite raises on it)."""
    if field.to_field_name or value in field.empty_values:
        return False
    try:
        return not 0 < int(str(value)) <= MAX_KEY
    except ValueError:
        return False  # not a number: the field's own validation says so


class SafeModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that answers "not one of the choices" to an absurd id."""

    def to_python(self, value):
        if _out_of_range(self, value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value or ():
            if _out_of_range(self, item):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super()._check_values(value)


def add_service_errors(form, error: ValidationError) -> None:
    """A service's ValidationError shown on the form: on the field it names when the form
    has it, above the form otherwise (the pages' counterpart of raise_form_errors)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
