"""Forms of the Retention module, shared by the pages and the API."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from retention.models import MAX_MONTHS, ReviewStatus, RuleAction, RuleKind


class RuleForm(forms.Form):
    months = forms.IntegerField(
        label=_("Kept for (months)"),
        min_value=1,
        max_value=MAX_MONTHS,
        help_text=_("Counted from the day the clock starts for this kind of record."),
    )
    action = forms.ChoiceField(
        label=_("At the end, after review"),
        choices=RuleAction.choices,
        widget=forms.RadioSelect,
    )


class QueueFilterForm(forms.Form):
    """What the queue shows: records awaiting a decision by default."""

    OPEN = "open"
    kind = forms.ChoiceField(
        label=_("Kind of record"),
        required=False,
        choices=[("", pgettext_lazy("kinds of record", "All"))] + list(RuleKind.choices),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (ReviewStatus.PENDING, ReviewStatus.PENDING.label),
            (ReviewStatus.APPROVED, ReviewStatus.APPROVED.label),
            (ReviewStatus.EXTENDED, ReviewStatus.EXTENDED.label),
            (OPEN, _("Not yet removed")),
        ],
    )

    def chosen_statuses(self) -> list[str]:
        status = self.cleaned_data.get("status") if self.is_valid() else ""
        if status == self.OPEN:
            return [ReviewStatus.PENDING, ReviewStatus.APPROVED, ReviewStatus.EXTENDED]
        return [status or ReviewStatus.PENDING]

    def chosen_kind(self) -> str:
        return (self.cleaned_data.get("kind") or "") if self.is_valid() else ""


class Decision(forms.Form):
    APPROVE = "approve"
    EXTEND = "extend"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (APPROVE, _("Remove it, following the rule")),
            (EXTEND, _("Keep it longer")),
        ],
        widget=forms.RadioSelect,
    )
    until = forms.DateField(
        label=_("Keep until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("It comes back to the queue on that day."),
    )
    reason = forms.CharField(
        label=_("Why keep it longer"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.EXTEND:
            if not data.get("until"):
                self.add_error("until", _("Choose the date until which it is kept."))
            if not (data.get("reason") or "").strip():
                self.add_error("reason", _("Give the reason for keeping the record longer."))
        return data


class BulkApproveForm(forms.Form):
    """Approve several records of the queue at once."""

    items: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Records"), queryset=None, to_field_name="uuid", widget=forms.MultipleHiddenInput
    )

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items  # type: ignore[attr-defined]


class HoldScope:
    FILE = "file"
    PERSON = "person"


class HoldForm(forms.Form):
    handle = forms.CharField(
        label=_("Handle of the person"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "NAM-2026-0042", "autocomplete": "off"}),
    )
    scope = forms.ChoiceField(
        label=_("What the hold covers"),
        choices=[
            (HoldScope.FILE, _("Your organisation's case file on the person")),
            (
                HoldScope.PERSON,
                _("Everything your organisation holds on the person, and the person's record"),
            ),
        ],
        initial=HoldScope.FILE,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for the hold"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For instance the court case or the request it answers. Kept encrypted."),
    )


class LiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for lifting the hold"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
