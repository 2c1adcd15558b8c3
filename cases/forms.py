"""Forms of the Cases module; the API validates through the same ones."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.access import holders_of
from cases.models import (
    Awareness,
    ClosureReason,
    Compliance,
    Consent,
    Context,
    ContributionKind,
    EntryKind,
    FileStatus,
    GuardianDecision,
    LegalBasis,
    Outcome,
    Phase,
    Progress,
    ReferralField,
    ReferralSource,
    ServiceReferralStatus,
    Sphere,
    Urgency,
)
from core.forms import SafeModelChoiceField, SafeModelMultipleChoiceField
from network.models import LANGUAGE_CHOICES, Organisation, Service

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea(attrs={"rows": 4})


class VersionedForm(forms.Form):
    """Carries the version the editor loaded, for optimistic locking."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


def _not_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("This date is in the future."))


def case_workers(organisation_id: int):
    return holders_of("cases.work_cases", [organisation_id]).order_by("full_name")


def receiving_organisations():
    """Organisations with at least one referral officer."""
    return Organisation.objects.filter(
        users__groups__permissions__codename="receive_referrals", users__is_active=True
    ).distinct()


def _set_queryset(form: forms.Form, name: str, queryset) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class WorkerChoiceField(SafeModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.email


class ReferralForm(forms.Form):
    """Intake: the person (minimal identity) and the concern."""

    organisation = SafeModelChoiceField(
        label=_("Referral officer of"), queryset=Organisation.objects.none()
    )
    full_name = forms.CharField(label=_("Name of the person"), max_length=150)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=DATE, validators=[_not_future]
    )
    municipality = forms.CharField(label=_("Municipality"), max_length=100, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    national_number = forms.RegexField(
        label=_("National number (optional)"),
        regex=r"^\d{2}\.?\d{2}\.?\d{2}-?\d{3}\.?\d{2}$",
        required=False,
        error_messages={"invalid": _("Enter the 11 digits of the national number.")},
    )
    source = forms.ChoiceField(label=_("Referred by"), choices=ReferralSource.choices)
    referrer_organisation = SafeModelChoiceField(
        label=_("Referring organisation"), queryset=Organisation.objects.all(), required=False
    )
    referrer_name = forms.CharField(
        label=_("Referring professional"), max_length=150, required=False
    )
    concern = forms.CharField(label=_("Concern, in the referrer's words"), widget=TEXT)
    received_on = forms.DateField(label=_("Received on"), widget=DATE, validators=[_not_future])
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    awareness = forms.ChoiceField(
        label=_("Does the person know?"),
        choices=Awareness.choices,
    )
    consent = forms.ChoiceField(label=_("Consent of the person"), choices=Consent.choices)
    guardian = forms.ChoiceField(
        label=_("Parents or guardian (minors)"), choices=GuardianDecision.choices, required=False
    )
    guardian_reason = forms.CharField(
        label=_("Why parents or guardian are not involved"), required=False, widget=TEXT
    )

    PERSON_FIELDS = ("full_name", "date_of_birth", "municipality", "languages", "national_number")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "organisation", receiving_organisations())
        if user is not None and not self.is_bound:
            self.initial.setdefault("organisation", user.organisation_id)
            self.initial.setdefault("received_on", timezone.localdate())

    def clean_national_number(self):
        return "".join(ch for ch in self.cleaned_data["national_number"] if ch.isdigit())

    def clean(self):
        data = super().clean()
        if data.get("source") == ReferralSource.ORGANISATION and not data.get(
            "referrer_organisation"
        ):
            self.add_error("referrer_organisation", _("Choose the referring organisation."))
        return data

    def person_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.PERSON_FIELDS}

    def referral_data(self) -> dict:
        return {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in self.PERSON_FIELDS and v is not None
        }


class ReferralDecision:
    ACCEPT = "accept"
    REDIRECT = "redirect"
    CLOSE = "close"


class DecideReferralForm(VersionedForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ReferralDecision.ACCEPT, _("Accept and open a file")),
            (ReferralDecision.REDIRECT, _("Redirect to another service")),
            (ReferralDecision.CLOSE, _("Close: no further action")),
        ],
        widget=forms.RadioSelect,
    )
    manager = WorkerChoiceField(
        label=_("Case manager"), queryset=User.objects.none(), required=False
    )
    service = SafeModelChoiceField(
        label=_("Service"), queryset=Service.objects.all(), required=False
    )
    note = forms.CharField(label=_("Note"), required=False, widget=TEXT)

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "manager", case_workers(organisation_id))

    def clean(self):
        data = super().clean()
        if data.get("decision") == ReferralDecision.ACCEPT and not data.get("manager"):
            self.add_error("manager", _("Choose the case manager."))
        if data.get("decision") == ReferralDecision.REDIRECT and not data.get("service"):
            self.add_error("service", _("Choose the service."))
        return data


class FileForm(VersionedForm):
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    context = forms.ChoiceField(label=_("Context"), choices=Context.choices)
    next_review_on = forms.DateField(label=_("Next review"), required=False, widget=DATE)


class CloseForm(VersionedForm):
    closure_reason = forms.ChoiceField(label=_("Reason"), choices=ClosureReason.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    closure_note = forms.CharField(label=_("Closing note"), required=False, widget=TEXT)


class TeamForm(forms.Form):
    user = WorkerChoiceField(label=_("Colleague"), queryset=User.objects.none())

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "user", case_workers(organisation_id))


class EntryForm(VersionedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=EntryKind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE, validators=[_not_future])
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}))

    def data_for_service(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("kind", "occurred_on", "text")}


SPHERE_PARTS = (
    ("needs", _("Needs")),
    ("protective", _("Protective factors")),
    ("concerns", _("Concerns")),
)


class EvaluationForm(forms.Form):
    """Structured judgement per sphere of life, and the diagnosis. No scale, no score."""

    evaluated_on = forms.DateField(label=_("Date"), widget=DATE, validators=[_not_future])
    summary = forms.CharField(
        label=_("Diagnosis"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000
    )
    instrument = forms.CharField(
        label=_("Instrument used elsewhere (e.g. VERA-2R, ERG22+)"), max_length=60, required=False
    )
    instrument_on = forms.DateField(
        label=_("Instrument date"), required=False, widget=DATE, validators=[_not_future]
    )
    instrument_assessor = forms.CharField(label=_("Assessor"), max_length=150, required=False)
    instrument_summary = forms.CharField(label=_("Instrument summary"), required=False, widget=TEXT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for sphere, label in Sphere.choices:
            for part, part_label in SPHERE_PARTS:
                self.fields[f"{sphere}__{part}"] = forms.CharField(
                    label=f"{label}: {part_label}",
                    required=False,
                    max_length=5000,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )

    def sphere_rows(self):
        """(sphere label, [bound fields]) for the template."""
        return [
            (label, [self[f"{sphere}__{part}"] for part, _l in SPHERE_PARTS])
            for sphere, label in Sphere.choices
        ]

    def clean(self):
        data = super().clean()
        if data.get("instrument") and not (
            data.get("instrument_on") and data.get("instrument_assessor")
        ):
            self.add_error("instrument_on", _("Give the instrument's date and assessor."))
        return data

    def data_for_service(self) -> dict:
        data = {
            k: self.cleaned_data[k]
            for k in (
                "evaluated_on",
                "summary",
                "instrument",
                "instrument_on",
                "instrument_assessor",
                "instrument_summary",
            )
        }
        data["spheres"] = {
            sphere: {
                part: self.cleaned_data.get(f"{sphere}__{part}", "") for part, _l in SPHERE_PARTS
            }
            for sphere in Sphere.values
        }
        return data


class PlanForm(VersionedForm):
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    context = forms.ChoiceField(label=_("Context"), choices=Context.choices)
    review_on = forms.DateField(label=_("Review on"), widget=DATE)


class GoalForm(forms.Form):
    sphere = forms.ChoiceField(label=_("Sphere of life"), choices=Sphere.choices)
    description = forms.CharField(
        label=_("Goal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    partner = SafeModelChoiceField(
        label=_("Responsible partner"), queryset=Organisation.objects.order_by("abbreviation")
    )
    interventions = forms.CharField(
        label=_("Interventions"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    starts_on = forms.DateField(label=_("Start"), required=False, widget=DATE)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE)
    progress = forms.ChoiceField(label=_("Progress"), choices=Progress.choices)
    progress_note = forms.CharField(
        label=_("Progress note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("due_on") and data["due_on"] < data["starts_on"]:
            self.add_error("due_on", _("The due date is before the start."))
        return data


GoalFormSet = forms.formset_factory(GoalForm, extra=1, can_delete=True, max_num=40)


def goals_from(formset) -> list[dict]:
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class ConditionForm(forms.Form):
    imposed_by = forms.CharField(label=_("Imposed by (court, judge)"), max_length=150)
    imposed_on = forms.DateField(label=_("Imposed on"), widget=DATE, validators=[_not_future])
    until = forms.DateField(label=_("Until"), required=False, widget=DATE)
    text = forms.CharField(label=_("Condition"), widget=TEXT)
    justice_assistant = WorkerChoiceField(
        label=_("Justice assistant"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "justice_assistant", case_workers(organisation_id))


class ConditionCheckForm(forms.Form):
    checked_on = forms.DateField(label=_("Date"), widget=DATE, validators=[_not_future])
    compliance = forms.ChoiceField(label=_("Finding"), choices=Compliance.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=TEXT)


class AttachmentForm(forms.Form):
    upload = forms.FileField(label=_("Document"))


class BasisMixin(forms.Form):
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    consent_reference = forms.CharField(
        label=_("Consent reference"), max_length=100, required=False
    )
    consent_expires_on = forms.DateField(label=_("Consent expires on"), required=False, widget=DATE)
    guardian = forms.ChoiceField(
        label=_("Parents or guardian (minors)"), choices=GuardianDecision.choices, required=False
    )


class ContributionForm(BasisMixin):
    kind = forms.ChoiceField(label=_("What you share"), choices=ContributionKind.choices)
    text = forms.CharField(
        label=_("Text shared"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=300)
    to_livc: forms.ModelChoiceField = SafeModelChoiceField(
        label=_("LIVC-R"), queryset=Organisation.objects.none(), required=False
    )
    recipients = SafeModelMultipleChoiceField(
        label=_("Partner organisations"),
        queryset=Organisation.objects.order_by("abbreviation"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from platforms.models import Platform, PlatformKind

        _set_queryset(self, "to_livc", Platform.objects.filter(kind=PlatformKind.LIVC_R))

    def data_for_service(self) -> dict:
        return {
            k: self.cleaned_data[k]
            for k in (
                "kind",
                "text",
                "purpose",
                "legal_basis",
                "consent_reference",
                "consent_expires_on",
                "guardian",
            )
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why do you withdraw it?"), max_length=300)


class ServiceReferralForm(BasisMixin):
    service = SafeModelChoiceField(label=_("Service"), queryset=Service.objects.all())
    fields = forms.MultipleChoiceField(  # type: ignore[assignment]  # a form field named so
        label=_("Information sent (the handle always goes)"),
        choices=[c for c in ReferralField.choices if c[0] != ReferralField.HANDLE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    message = forms.CharField(
        label=_("Message to the service"), max_length=2000, required=False, widget=TEXT
    )

    field_order = ["service", "fields", "message", "legal_basis"]

    def basis(self) -> dict:
        return {
            k: self.cleaned_data[k] for k in ("consent_reference", "consent_expires_on", "guardian")
        }


class AnswerForm(VersionedForm):
    status = forms.ChoiceField(
        label=_("Answer"),
        choices=[
            (s, label)
            for s, label in ServiceReferralStatus.choices
            if s
            in (
                ServiceReferralStatus.ACCEPTED,
                ServiceReferralStatus.REFUSED,
                ServiceReferralStatus.DONE,
                ServiceReferralStatus.DROPPED,
            )
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason or outcome"), max_length=2000, required=False, widget=TEXT
    )


class HandoverForm(BasisMixin):
    to_organisation = SafeModelChoiceField(
        label=_("To organisation"), queryset=Organisation.objects.none()
    )
    summary = forms.CharField(
        label=_("Handover summary (the only thing the other organisation receives)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=8000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "to_organisation", receiving_organisations())

    def data_for_service(self) -> dict:
        return {
            k: self.cleaned_data[k]
            for k in (
                "to_organisation",
                "legal_basis",
                "consent_reference",
                "consent_expires_on",
                "guardian",
                "summary",
            )
        }


class HandoverDecisionForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Accept")), ("0", _("Decline"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    manager = WorkerChoiceField(
        label=_("Case manager"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "manager", case_workers(organisation_id))


class BreakGlassForm(forms.Form):
    handle = forms.CharField(label=_("Handle of the person"), max_length=20)
    reason = forms.CharField(
        label=_("Reason for the emergency access"), widget=TEXT, min_length=15, max_length=2000
    )


class ReviewForm(forms.Form):
    justified = forms.TypedChoiceField(
        label=_("Was the access justified?"),
        choices=[("1", _("Justified")), ("0", _("Not justified"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class CaseFilterForm(forms.Form):
    """Filters of the case list. No filter ranks or scores people."""

    q = forms.CharField(label=_("Handle or name"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *FileStatus.choices], required=False
    )
    phase = forms.ChoiceField(
        label=_("Phase"), choices=[("", _("All")), *Phase.choices], required=False
    )
    sphere = forms.ChoiceField(
        label=_("Sphere with open goals"),
        choices=[("", _("All")), *Sphere.choices],
        required=False,
    )
    overdue_review = forms.BooleanField(label=_("Review overdue"), required=False)
    overdue_referral = forms.BooleanField(label=_("Referral overdue"), required=False)
    after = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def value(self, name):
        return self.cleaned_data.get(name) if self.is_valid() else None
