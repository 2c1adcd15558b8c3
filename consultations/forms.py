"""Forms of the case consultations; the API validates through the same ones."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from consultations import access
from consultations.models import AgendaCase, Attendance, Meeting, Seat
from core.forms import SafeModelChoiceField
from platforms.forms import (
    DATE,
    DATETIME,
    DATETIME_FORMATS,
    OrganisationField,
    organisation_choices,
    plausible_meeting_time,
)

TEXT = 20000


class MemberChoiceField(SafeModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.email


class MeetingForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Starts at"), input_formats=DATETIME_FORMATS, widget=DATETIME
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), input_formats=DATETIME_FORMATS, widget=DATETIME
    )
    location = forms.CharField(label=_("Place"), max_length=200)
    chair = MemberChoiceField(label=_("Chair"), queryset=User.objects.none())
    secretary = MemberChoiceField(label=_("Secretary"), queryset=User.objects.none())

    def __init__(self, *args, members: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        ids = [user.pk for user in members]
        for name in ("chair", "secretary"):
            self.fields[name].queryset = User.objects.filter(pk__in=ids).order_by("full_name")  # type: ignore[attr-defined]

    def clean_starts_at(self):
        value = self.cleaned_data["starts_at"]
        plausible_meeting_time(value)
        return value

    def clean_ends_at(self):
        value = self.cleaned_data["ends_at"]
        plausible_meeting_time(value)
        return value

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        return data

    @staticmethod
    def initial_for(meeting: Meeting) -> dict:
        return {
            "starts_at": timezone.localtime(meeting.starts_at),
            "ends_at": timezone.localtime(meeting.ends_at),
            "location": meeting.location,
            "chair": meeting.chair_id,
            "secretary": meeting.secretary_id,
        }


class AddCaseForm(forms.Form):
    handle = forms.ChoiceField(label=_("Person (handle)"))
    presented_by = OrganisationField(label=_("Presented by"))

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        persons = access.persons_shared_with(meeting.cell).exclude(
            pk__in=meeting.cases.values("person_id")
        )
        self.persons = {p.handle: p for p in persons.only("pk", "uuid", "handle")}
        self.fields["handle"].choices = [("", "—")] + [(h, h) for h in self.persons]  # type: ignore[attr-defined]
        members = meeting.attendance.select_related("organisation").filter(seat=Seat.MEMBER)
        organisations = {seat.organisation.key: seat.organisation.display_name for seat in members}
        self.fields["presented_by"].choices = [("", "—"), *organisations.items()]  # type: ignore[attr-defined]

    def clean_handle(self):
        return self.persons[self.cleaned_data["handle"]]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of the professional"))
    reason = forms.CharField(
        label=_("Why they are invited for this case"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_email(self):
        email = self.cleaned_data["email"]
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active account has this e-mail address."))
        return user


class DiscussionForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary of the discussion"),
        required=False,
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        required=False,
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    discussed = forms.BooleanField(label=_("The case was discussed"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def data_for_service(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("summary", "decisions", "discussed")}


class ActionForm(forms.Form):
    text = forms.CharField(
        label=pgettext_lazy("action item", "Action"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    owner = OrganisationField(label=_("Owner organisation"))
    due_on = forms.DateField(label=_("Deadline"), widget=DATE)

    def __init__(self, *args, case: AgendaCase, **kwargs):
        super().__init__(*args, **kwargs)
        owners = organisation_choices(access.action_owners(case))
        self.fields["owner"].choices = [("", "—"), *owners]  # type: ignore[attr-defined]

    def clean_due_on(self):
        value = self.cleaned_data["due_on"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The deadline cannot be in the past."))
        if value.year > 2100:
            raise forms.ValidationError(_("Give a date before 2100."))
        return value


class ActionDoneForm(forms.Form):
    follow_up = forms.CharField(
        label=_("Follow-up"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    done_on = forms.DateField(label=_("Done on"), widget=DATE, initial=timezone.localdate)

    def clean_done_on(self):
        value = self.cleaned_data["done_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        if value.year < 2000:
            raise forms.ValidationError(_("Give a date after 2000."))
        return value


class AttendanceForm(forms.Form):
    present = forms.MultipleChoiceField(
        label=_("Present"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        seats = meeting.attendance.select_related("user", "organisation")
        self.fields["present"].choices = [  # type: ignore[attr-defined]
            (str(seat.pk), _label(seat)) for seat in seats
        ]
        self.initial.setdefault("present", [str(s.pk) for s in seats if s.present])

    def present_ids(self) -> set[int]:
        return {int(pk) for pk in self.cleaned_data["present"]}


def _label(seat: Attendance) -> str:
    who = seat.user.full_name or seat.user.email
    return f"{who} — {seat.organisation.display_name} ({seat.get_seat_display()})"


class ConsensusRequestForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of the information sheet"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


AGREE_CHOICES = [("yes", _("Agrees")), ("no", _("Does not agree"))]


class VotesForm(forms.Form):
    """One question per member present: do they agree that the sheet may leave?"""

    def __init__(self, *args, case: AgendaCase, **kwargs):
        super().__init__(*args, **kwargs)
        self.voters = access.voters_for(case)
        for seat in self.voters:
            self.fields[f"vote_{seat.pk}"] = forms.ChoiceField(
                label=_label(seat), choices=AGREE_CHOICES, widget=forms.RadioSelect
            )

    def answers(self) -> dict[int, bool]:
        return {seat.pk: self.cleaned_data[f"vote_{seat.pk}"] == "yes" for seat in self.voters}


class MinutesForm(forms.Form):
    text = forms.CharField(
        label=_("Minutes"), max_length=100000, widget=forms.Textarea(attrs={"rows": 14})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
