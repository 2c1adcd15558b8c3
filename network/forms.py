"""Forms of the directory; the API validates through the same ones."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import TranslatedForm
from network.models import (
    LANGUAGE_CHOICES,
    Channel,
    Intake,
    Level,
    OpeningSlot,
    Sector,
    ServiceStatus,
    TargetGroup,
    format_kbo,
    validate_kbo,
)

ORGANISATION_FIELDS = (
    "sector",
    "level",
    "kbo_number",
    "street",
    "postcode",
    "municipality",
    "website",
    "email",
    "phone",
    "languages",
    "is_public",
)
SERVICE_FIELDS = (
    "status",
    "target_groups",
    "minimum_age",
    "maximum_age",
    "areas",
    "channels",
    "languages",
    "intake",
    "waiting_weeks",
    "free_of_charge",
    "contact_name",
    "email",
    "phone",
    "website",
    "street",
    "postcode",
    "municipality",
    "is_public",
)


def _checkboxes(label, choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class AddressFields(forms.Form):
    street = forms.CharField(label=_("Street and number"), required=False, max_length=200)
    postcode = forms.RegexField(
        label=_("Postcode"),
        required=False,
        regex=r"^[0-9]{4}$",
        error_messages={"invalid": _("A Belgian postcode has four digits.")},
    )
    municipality = forms.CharField(label=_("Municipality"), required=False, max_length=100)
    website = forms.URLField(
        label=_("Website"), required=False, max_length=200, assume_scheme="https"
    )
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    phone = forms.RegexField(
        label=_("Phone"),
        required=False,
        max_length=40,
        regex=r"^\+?[0-9 ./()-]{6,}$",
        error_messages={"invalid": _("Write a phone number with digits, e.g. +32 81 24 60 00.")},
    )


class OrganisationForm(TranslatedForm, AddressFields):
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    kbo_number = forms.CharField(
        label=_("Enterprise number (KBO/BCE)"),
        required=False,
        max_length=14,
        validators=[validate_kbo],
        help_text=_("Optional, e.g. 0207.373.429."),
    )
    languages = _checkboxes(_("Languages served"), LANGUAGE_CHOICES)
    is_public = forms.BooleanField(label=_("Listed in the public directory"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_translated("name", _("Name"), required_one=True, max_length=300)
        self.add_translated("abbreviations", _("Abbreviation"), required_one=False, max_length=40)
        self.add_translated(
            "description", _("Description"), required_one=False, max_length=4000, textarea=True
        )
        self.order_fields([f for f in self.fields if f not in ORGANISATION_FIELDS])

    def clean_kbo_number(self) -> str:
        value = self.cleaned_data.get("kbo_number", "")
        return format_kbo(value) if value else ""

    def organisation_data(self) -> dict:
        data = {field: self.cleaned_data[field] for field in ORGANISATION_FIELDS}
        for name in ("name", "abbreviations", "description"):
            data[name] = {k: v for k, v in self.translations(name).items() if v.strip()}
        return data

    @classmethod
    def initial_from(cls, org) -> dict:
        return {
            **{field: getattr(org, field) for field in ORGANISATION_FIELDS},
            **cls.initial_for("name", org.name),
            **cls.initial_for("abbreviations", org.abbreviations),
            **cls.initial_for("description", org.description),
        }


class ServiceForm(TranslatedForm, AddressFields):
    TRANSLATED = ("name", "description", "conditions", "information_needed", "hours_note", "fees")

    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices)
    target_groups = _checkboxes(_("For whom"), TargetGroup.choices)
    minimum_age = forms.IntegerField(
        label=_("Minimum age"), required=False, min_value=0, max_value=120
    )
    maximum_age = forms.IntegerField(
        label=_("Maximum age"), required=False, min_value=0, max_value=120
    )
    areas = forms.CharField(
        label=_("Municipalities served"),
        required=False,
        max_length=2000,
        help_text=_("Separated by commas; leave empty when the service is open to everyone."),
    )
    channels = _checkboxes(_("How to refer"), Channel.choices)
    languages = _checkboxes(_("Languages"), LANGUAGE_CHOICES)
    intake = forms.ChoiceField(label=_("New referrals"), choices=Intake.choices)
    waiting_weeks = forms.IntegerField(
        label=_("Waiting time in weeks"), required=False, min_value=0, max_value=520
    )
    free_of_charge = forms.BooleanField(label=_("Free of charge"), required=False)
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=120)
    is_public = forms.BooleanField(
        label=_("Listed in the public directory"),
        required=False,
        help_text=_("Leave unticked for a service whose address must stay confidential."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            "name": _("Name"),
            "description": _("Description"),
            "conditions": _("Conditions"),
            "information_needed": _("Information needed for a referral"),
            "hours_note": _("About the opening hours"),
            "fees": _("Fees"),
        }
        for name in self.TRANSLATED:
            self.add_translated(
                name,
                labels[name],
                required_one=name == "name",
                max_length=300 if name == "name" else 4000,
                textarea=name != "name",
            )
        self.order_fields([f for f in self.fields if f not in SERVICE_FIELDS])

    def clean_areas(self) -> list[str]:
        raw = self.cleaned_data.get("areas", "")
        return sorted({part.strip() for part in raw.split(",") if part.strip()})

    def clean(self):
        data = super().clean()
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", _("The maximum age cannot be below the minimum age."))
        return data

    def service_data(self) -> dict:
        data = {field: self.cleaned_data[field] for field in SERVICE_FIELDS}
        for name in self.TRANSLATED:
            data[name] = {k: v for k, v in self.translations(name).items() if v.strip()}
        return data

    @classmethod
    def initial_from(cls, service) -> dict:
        initial = {field: getattr(service, field) for field in SERVICE_FIELDS}
        initial["areas"] = ", ".join(service.areas)
        for name in cls.TRANSLATED:
            initial.update(cls.initial_for(name, getattr(service, name)))
        return initial


class SlotForm(forms.Form):
    weekday = forms.ChoiceField(label=_("Day"), choices=[("", "—"), *OpeningSlot.WEEKDAYS])
    opens_at = forms.TimeField(label=_("Opens at"), required=False)
    closes_at = forms.TimeField(label=_("Closes at"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("weekday"):
            return data
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens is None or closes is None:
            raise forms.ValidationError(_("Give the opening and the closing time."))
        if closes <= opens:
            raise forms.ValidationError(_("The closing time must come after the opening time."))
        return data


SlotFormSet = forms.formset_factory(SlotForm, extra=2, can_delete=True, max_num=30)


def slots_from(formset) -> list[dict]:
    return [
        {k: row.cleaned_data[k] for k in ("weekday", "opens_at", "closes_at")}
        for row in formset
        if row.cleaned_data.get("weekday") and not row.cleaned_data.get("DELETE")
    ]


class DirectoryFilterForm(forms.Form):
    KINDS = [("services", _("Services")), ("organisations", _("Organisations"))]

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Show"), choices=KINDS, required=False)
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", _("All sectors")), *Sector.choices]
    )
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices]
    )
    municipality = forms.CharField(label=_("Municipality"), required=False, max_length=100)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("All languages")), *LANGUAGE_CHOICES],
    )
    target = forms.ChoiceField(
        label=_("For whom"),
        required=False,
        choices=[("", _("Everyone")), *TargetGroup.choices],
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def value(self, name: str):
        """A field's cleaned value, or empty when the form is unbound or that field (only
        that one) is invalid."""
        if not self.is_bound:
            return self.fields[name].initial or ""
        self.is_valid()
        return self.cleaned_data.get(name) or ""
