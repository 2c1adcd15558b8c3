"""Forms of the directory; the API validates through the same ones."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import TranslatedForm
from network.models import (
    LANGUAGE_CHOICES,
    Capacity,
    Channel,
    Clearance,
    CoverageRule,
    Intake,
    LegalRole,
    Level,
    OpeningSlot,
    Organisation,
    PostCategory,
    PostKind,
    Professional,
    Sector,
    ServiceStatus,
    SynergyArea,
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


def _phone(label) -> forms.RegexField:
    return forms.RegexField(
        label=label,
        required=False,
        max_length=40,
        regex=r"^\+?[0-9 ./()-]{6,}$",
        error_messages={"invalid": _("Write a phone number with digits, e.g. +32 81 24 60 00.")},
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
    phone = _phone(_("Phone"))


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


class FilterForm(forms.Form):
    """Filters of a list page: one bad value leaves the others working."""

    def value(self, name: str):
        """A field's cleaned value, or empty when the form is unbound or that field (only
        that one) is invalid."""
        if not self.is_bound:
            return self.fields[name].initial or ""
        self.is_valid()
        return self.cleaned_data.get(name) or ""


class DirectoryFilterForm(FilterForm):
    KINDS = [
        ("services", _("Services")),
        ("organisations", _("Organisations")),
        ("people", _("People in posts")),
    ]

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


class DirectoryImportForm(forms.Form):
    """A spreadsheet of organisations or of services (network/imports.py)."""

    kind = forms.ChoiceField(
        label=_("The file holds"),
        choices=[("organisations", _("Organisations")), ("services", _("Services"))],
    )
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        help_text=_("The columns of the template; the header is row 1."),
    )

    MAX_BYTES = 20 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


POST_FIELDS = (
    "kind",
    "capacity",
    "area",
    "email",
    "phone",
    "legal_role",
    "clearance",
    "clearance_expires_on",
    "is_public",
)


def _blank_first(choices, label) -> list:
    return [("", label), *choices]


class PostForm(TranslatedForm):
    kind = forms.ModelChoiceField(
        label=_("Kind of post"), queryset=PostKind.objects.all(), to_field_name="key"
    )
    capacity = forms.ChoiceField(
        label=_("Capacity"),
        choices=Capacity.choices,
        help_text=_("An acting post stands in for the effective one when needed."),
    )
    area = forms.CharField(
        label=_("Area or policy field covered"),
        required=False,
        max_length=150,
        help_text=_("E.g. a region, a municipality or a policy area."),
    )
    email = forms.EmailField(label=_("E-mail of the post"), required=False)
    phone = _phone(_("Phone of the post"))
    legal_role = forms.ChoiceField(
        label=_("Legal role in the LIVC-R"),
        required=False,
        choices=_blank_first(LegalRole.choices, _("Not an LIVC-R member")),
    )
    clearance = forms.ChoiceField(
        label=_("Security clearance"),
        required=False,
        choices=_blank_first(Clearance.choices, _("Not recorded")),
    )
    clearance_expires_on = forms.DateField(
        label=_("Clearance valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    is_public = forms.BooleanField(
        label=_("Listed in the public directory"),
        required=False,
        help_text=_("Only posts people from outside may contact, such as a help line."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_translated("title", _("Title"), required_one=False, max_length=200)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind and kind.category == PostCategory.LIVC_MEMBER and not data.get("legal_role"):
            self.add_error("legal_role", _("Give the legal role of this LIVC-R member."))
        if data.get("clearance_expires_on") and data.get("clearance") in ("", Clearance.NONE):
            self.add_error("clearance_expires_on", _("A validity date needs a level of clearance."))
        return data

    def post_data(self) -> dict:
        data = {field: self.cleaned_data[field] for field in POST_FIELDS}
        data["title"] = {k: v for k, v in self.translations("title").items() if v.strip()}
        return data

    @classmethod
    def initial_from(cls, post) -> dict:
        initial = {field: getattr(post, field) for field in POST_FIELDS}
        initial["kind"] = post.kind.key
        return {**initial, **cls.initial_for("title", post.title)}


def _not_in_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(
            _("This date is in the future: record the change on the day it happens.")
        )
    return value


class AppointForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of the person"))
    full_name = forms.CharField(
        label=_("Full name"),
        required=False,
        max_length=150,
        help_text=_("Needed only for someone who is not in the directory yet."),
    )
    phone = _phone(_("Phone"))
    starts_on = forms.DateField(
        label=_("Holds the post from"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, post=None, **kwargs):
        self.post = post
        super().__init__(*args, **kwargs)

    def clean_starts_on(self):
        return _not_in_future(self.cleaned_data.get("starts_on"))

    def clean(self):
        data = super().clean()
        email = data.get("email") or ""
        known = Professional.objects.filter(email__iexact=email).exists() if email else True
        if not known and not data.get("full_name", "").strip():
            self.add_error(
                "full_name", _("This person is not in the directory yet: give their full name.")
            )
        holder = self.post.holder if self.post is not None else None
        if email and holder is not None and holder.email.lower() == email.lower():
            self.add_error("email", _("This person already holds the post."))
        return data


class VacateForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Last day in the post"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_ends_on(self):
        return _not_in_future(self.cleaned_data.get("ends_on"))


RULE_FIELDS = (
    "reference",
    "scope_level",
    "scope_sector",
    "kind",
    "minimum_total",
    "minimum_effective",
    "minimum_acting",
    "is_active",
)


class CoverageRuleForm(TranslatedForm):
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=60,
        help_text=_("Where the rule comes from, e.g. measure 10.1."),
    )
    scope_level = forms.ChoiceField(
        label=_("Organisations of level"),
        required=False,
        choices=_blank_first(Level.choices, _("Any level")),
    )
    scope_sector = forms.ChoiceField(
        label=_("Organisations of sector"),
        required=False,
        choices=_blank_first(Sector.choices, _("Any sector")),
    )
    scope_parent = forms.CharField(
        label=_("Organisations under"),
        required=False,
        max_length=80,
        help_text=_("The key of a parent organisation, e.g. justitiehuizen."),
    )
    scope_plan = forms.SlugField(
        label=_("Actors of a measure: plan"),
        required=False,
        help_text=_("The plan's short name in its web address, e.g. vlaams-actieplan-2017."),
    )
    scope_measure = forms.CharField(
        label=_("Actors of a measure: code"), required=False, max_length=20
    )
    kind = forms.ModelChoiceField(
        label=_("Kind of post"), queryset=PostKind.objects.all(), to_field_name="key"
    )
    minimum_total = forms.IntegerField(label=_("At least, in all"), min_value=1, max_value=99)
    minimum_effective = forms.IntegerField(
        label=_("Of which effective"), min_value=0, max_value=99, initial=0
    )
    minimum_acting = forms.IntegerField(
        label=_("Of which acting"), min_value=0, max_value=99, initial=0
    )
    is_active = forms.BooleanField(
        label=_("Active"), required=False, help_text=_("An inactive rule opens no gaps.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_translated("name", _("Rule"), required_one=True, max_length=300)
        self.order_fields([f for f in self.fields if f.startswith("name_")])

    def clean_scope_parent(self):
        key = self.cleaned_data.get("scope_parent", "").strip()
        if not key:
            return None
        parent = Organisation.objects.filter(key=key).first()
        if parent is None:
            raise forms.ValidationError(
                _("No organisation has the key %(key)s."), params={"key": key}
            )
        return parent

    def clean(self):
        from plans.models import ItemKind, PlanItem

        data = super().clean()
        plan, code = data.get("scope_plan"), (data.get("scope_measure") or "").strip()
        data["scope_measure"] = None
        if plan or code:
            measure = PlanItem.objects.filter(
                plan__slug=plan, code=code, kind=ItemKind.MEASURE
            ).first()
            if measure is None:
                self.add_error("scope_measure", _("No measure with this code in this plan."))
            data["scope_measure"] = measure
        scoped = any(data.get(f) for f in ("scope_level", "scope_sector", "scope_parent"))
        if not scoped and not (plan or code):
            self.add_error(
                None,
                _(
                    "Say which organisations the rule is about: a level, a sector, a parent "
                    "organisation or the actors of a measure."
                ),
            )
        total = data.get("minimum_total") or 0
        if (data.get("minimum_effective") or 0) + (data.get("minimum_acting") or 0) > total:
            self.add_error(
                "minimum_total",
                _("The number in all cannot be lower than the effective and acting ones together."),
            )
        return data

    def rule_data(self) -> dict:
        data = {field: self.cleaned_data[field] for field in RULE_FIELDS}
        data["scope_parent"] = self.cleaned_data["scope_parent"]
        data["scope_measure"] = self.cleaned_data["scope_measure"]
        data["name"] = {k: v for k, v in self.translations("name").items() if v.strip()}
        return data

    @classmethod
    def initial_from(cls, rule) -> dict:
        initial = {field: getattr(rule, field) for field in RULE_FIELDS}
        initial["kind"] = rule.kind.key
        initial["scope_parent"] = rule.scope_parent.key if rule.scope_parent else ""
        if rule.scope_measure:
            initial["scope_plan"] = rule.scope_measure.plan.slug
            initial["scope_measure"] = rule.scope_measure.code
        return {**initial, **cls.initial_for("name", rule.name)}


class GapFilterForm(FilterForm):
    STATES = [("open", _("Open gaps")), ("closed", _("Closed gaps (history)"))]

    state = forms.ChoiceField(label=_("Show"), choices=STATES, required=False)
    rule = forms.ModelChoiceField(
        label=_("Rule"),
        queryset=CoverageRule.objects.all(),
        required=False,
        empty_label=_("All rules"),
    )
    q = forms.CharField(label=_("Organisation"), required=False, max_length=200)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class SignatoryForm(forms.Form):
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=80,
        help_text=_("The key of the organisation, as in its address in the directory."),
    )
    signed_on = forms.DateField(
        label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    signed_by = forms.CharField(
        label=_("Signed by"), max_length=200, help_text=_("Name and function of the signatory.")
    )

    def __init__(self, *args, protocol=None, **kwargs):
        self.protocol = protocol
        super().__init__(*args, **kwargs)

    def clean_signed_on(self):
        return _not_in_future(self.cleaned_data.get("signed_on"))

    def clean_organisation(self):
        key = self.cleaned_data["organisation"].strip()
        org = Organisation.objects.filter(key=key).first()
        if org is None:
            raise forms.ValidationError(
                _("No organisation has the key %(key)s."), params={"key": key}
            )
        if (
            self.protocol is not None
            and self.protocol.signatories.filter(organisation=org).exists()
        ):
            raise forms.ValidationError(_("This organisation has already signed."))
        return org


class AreaTextsForm(forms.Form):
    """One text per area of the protocol (commitments, or a year's review)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for area, label in SynergyArea.choices:
            self.fields[area] = forms.CharField(
                label=label,
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def texts(self) -> dict[str, str]:
        return {area: self.cleaned_data[area] for area in SynergyArea.values}
