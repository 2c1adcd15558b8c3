"""Forms of the platforms; the API validates through the same ones."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import TranslatedForm
from core.widgets import FastSelect
from network.models import Organisation, Post
from platforms.models import Meeting, MeetingStatus, MembershipRole, Platform, PlatformKind
from platforms.services import clean_joint_municipalities

PLATFORM_FIELDS = ("kind", "municipality", "joint_municipalities", "is_public")
# the first path segments of the app's own pages, which a key would shadow
RESERVED_KEYS = {"new", "meetings", "calendar"}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
MEETING_YEARS = (2000, 2100)


def plausible_meeting_time(moment) -> None:
    """A meeting between 2000 and 2100: also keeps a time of year 1 or 9999 in another
    time zone from overflowing when it is stored in UTC."""
    if not MEETING_YEARS[0] <= moment.year <= MEETING_YEARS[1]:
        raise forms.ValidationError(
            _("Give a date between %(first)d and %(last)d."),
            params={"first": MEETING_YEARS[0], "last": MEETING_YEARS[1]},
        )


def organisation_choices(queryset=None) -> list[tuple[str, str]]:
    """(key, name) of organisations, by name, for a select."""
    found = queryset if queryset is not None else Organisation.objects.all()
    return sorted(
        ((org.key, org.display_name) for org in found.only("key", "name")),
        key=lambda pair: pair[1].lower(),
    )


class OrganisationField(forms.ChoiceField):
    """An organisation chosen by key."""

    widget = FastSelect

    def clean(self, value):
        key = super().clean(value)
        if not key:
            return None
        return Organisation.objects.filter(key=key).first()


class PlatformForm(TranslatedForm):
    key = forms.SlugField(
        label=_("Key"),
        max_length=60,
        help_text=_("Letters, digits and hyphens; it appears in the address and cannot change."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=PlatformKind.choices)
    municipality = forms.CharField(label=_("Municipality"), required=False, max_length=100)
    joint_municipalities = forms.CharField(
        label=_("Jointly with"),
        required=False,
        max_length=3000,
        help_text=_(
            "For a platform set up by several municipalities together, such as a joint "
            "LIVC-R: the other municipalities, separated by commas."
        ),
    )
    coordinator = OrganisationField(label=_("Coordinating organisation"))
    is_public = forms.BooleanField(
        label=_("Public"),
        required=False,
        help_text=_("Everyone may see the platform and its member organisations. Never an LIVC-R."),
    )

    def __init__(self, *args, platform: Platform | None = None, coordinators=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.platform = platform
        coordinator = cast(forms.ChoiceField, self.fields["coordinator"])
        coordinator.choices = organisation_choices(coordinators)
        self.add_translated("name", _("Name"), required_one=True, max_length=300)
        self.add_translated(
            "description", _("Description"), required_one=False, max_length=4000, textarea=True
        )
        if platform is not None:
            del self.fields["key"]

    def clean_key(self) -> str:
        key = self.cleaned_data["key"].lower()
        if key in RESERVED_KEYS or Platform.objects.filter(key=key).exists():
            raise forms.ValidationError(_("This key is already taken."))
        return key

    def clean(self):
        data = super().clean()
        if data.get("kind") == PlatformKind.LIVC_R and data.get("is_public"):
            self.add_error("is_public", _("An LIVC-R is never public."))
        names = (data.get("joint_municipalities") or "").split(",")
        if "municipality" in self.errors:
            return data
        try:
            data["joint_municipalities"] = clean_joint_municipalities(
                data.get("municipality") or "", names
            )
        except forms.ValidationError as error:
            self.add_error("joint_municipalities", error)
        return data

    def platform_data(self) -> dict:
        data = {field: self.cleaned_data[field] for field in PLATFORM_FIELDS}
        data["coordinator"] = self.cleaned_data["coordinator"]
        data["name"] = self.translations("name")
        data["description"] = self.translations("description")
        if self.platform is None:
            data["key"] = self.cleaned_data["key"]
        return data

    @classmethod
    def initial_from(cls, platform: Platform) -> dict:
        return {
            **{field: getattr(platform, field) for field in PLATFORM_FIELDS},
            "joint_municipalities": ", ".join(platform.joint_municipalities),
            "coordinator": platform.coordinator.key,
            **cls.initial_for("name", platform.name),
            **cls.initial_for("description", platform.description),
        }


class MembershipForm(forms.Form):
    organisation = OrganisationField(label=_("Organisation"))
    post = forms.ChoiceField(
        label=_("Seat held through the post"),
        required=False,
        widget=FastSelect,
        help_text=_("For a person's seat: the post whose holder sits in the platform."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)
    starts_on = forms.DateField(label=_("Member from"), widget=DATE)
    ends_on = forms.DateField(label=_("Member until"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = organisation_choices()
        posts = Post.objects.select_related("organisation", "kind", "holder").order_by("id")
        self.fields["post"].choices = [("", _("No post: the organisation's seat"))] + [
            (str(post.uuid), f"{post.organisation.short_name} — {post.display_title}")
            for post in posts
        ]

    def clean_post(self) -> Post | None:
        value = self.cleaned_data.get("post")
        return Post.objects.filter(uuid=value).first() if value else None

    def clean(self):
        data = super().clean()
        post, org = data.get("post"), data.get("organisation")
        if post is not None and org is not None and post.organisation_id != org.pk:
            self.add_error("post", _("The post belongs to another organisation."))
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The end cannot come before the start."))
        return data


class EndMembershipForm(forms.Form):
    ends_on = forms.DateField(label=_("Last day as a member"), widget=DATE)


class MeetingForm(TranslatedForm):
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=DATETIME,
        input_formats=DATETIME_FORMATS,
        validators=[plausible_meeting_time],
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"),
        widget=DATETIME,
        input_formats=DATETIME_FORMATS,
        validators=[plausible_meeting_time],
    )
    location = forms.CharField(label=_("Location"), required=False, max_length=200)
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One item per line, in order."),
    )

    def __init__(self, *args, with_agenda: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_translated("title", _("Title"), required_one=True, max_length=300)
        self.order_fields([f for f in self.fields if f.startswith("title_")])
        if not with_agenda:  # editing: the agenda items have their own rows (AgendaFormSet)
            del self.fields["agenda"]

    def clean_agenda(self) -> list[dict[str, str]]:
        lines = [line.strip() for line in self.cleaned_data.get("agenda", "").splitlines()]
        items = [{"title": line, "notes": ""} for line in lines if line]
        if any(len(item["title"]) > 300 for item in items):
            raise forms.ValidationError(_("Keep each agenda item under 300 characters."))
        return items

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        return data

    def meeting_data(self) -> dict:
        data = {field: self.cleaned_data[field] for field in ("starts_at", "ends_at", "location")}
        data["title"] = self.translations("title")
        return data

    @classmethod
    def initial_from(cls, meeting: Meeting) -> dict:
        return {
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "location": meeting.location,
            **cls.initial_for("title", meeting.title),
        }


class AgendaItemForm(forms.Form):
    """One row of the agenda; a row left without a title is dropped."""

    title = forms.CharField(label=_("Agenda item"), required=False, max_length=300)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("notes") and not data.get("title") and not data.get("DELETE"):
            raise forms.ValidationError(_("Give the agenda item a title."))
        return data


MAX_AGENDA_ITEMS = 50
AgendaFormSet = forms.formset_factory(
    AgendaItemForm,
    extra=3,
    can_order=True,
    can_delete=True,
    max_num=MAX_AGENDA_ITEMS,
    validate_max=True,
)


def agenda_from(formset) -> list[dict[str, str]]:
    """The agenda of a valid AgendaFormSet: the rows with a title, by their order number
    (rows without one keep their place at the end), removed rows left out."""
    return [
        {"title": row.cleaned_data["title"], "notes": row.cleaned_data["notes"]}
        for row in formset.ordered_forms
        if row.cleaned_data.get("title")
    ]


def agenda_rows(items: list[dict[str, str]], prefix: str = "agenda") -> dict[str, object]:
    """AgendaFormSet data for a list of {"title", "notes"} in order (for the API)."""
    rows: dict[str, object] = {f"{prefix}-TOTAL_FORMS": len(items), f"{prefix}-INITIAL_FORMS": 0}
    for index, item in enumerate(items):
        rows[f"{prefix}-{index}-title"] = item.get("title", "")
        rows[f"{prefix}-{index}-notes"] = item.get("notes", "")
        rows[f"{prefix}-{index}-ORDER"] = index + 1
    return rows


class MinutesForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=MeetingStatus.choices)
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("No personal data about persons of concern: cases are not discussed here."),
    )
    approved = forms.BooleanField(label=_("The minutes are approved"), required=False)


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("Decision"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ActionForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("action item", "Action"), max_length=300)
    owner = OrganisationField(label=_("Organisation that does it"))
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = organisation_choices()


class ActionDoneForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), widget=DATE)
