"""Forms of the action-plan monitor; the API validates through the same ones."""

from typing import cast

from django import forms
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core import i18n
from core.forms import TranslatedForm
from core.widgets import FastSelect
from network.models import Organisation
from plans.models import (
    ActorRole,
    BudgetMode,
    CompletionLevel,
    ItemKind,
    MeasureType,
    Minister,
    Periodicity,
    Plan,
    PlanStatus,
    ProgressStatus,
)

RESERVED_SLUGS = {"new", "my-work"}  # paths of plans/urls.py that look like a plan


class TreeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *MeasureType.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *ProgressStatus.choices],
    )
    actor = forms.ChoiceField(label=_("Actor"), required=False, widget=FastSelect)
    minister = forms.ChoiceField(label=_("Minister"), required=False, widget=FastSelect)
    line = forms.ChoiceField(label=_("Policy line"), required=False)

    def __init__(self, *args, choices: dict[str, list[tuple[str, str]]], **kwargs):
        super().__init__(*args, **kwargs)
        for name, everything in (
            ("actor", _("All actors")),
            ("minister", _("All ministers")),
            ("line", _("All lines")),
        ):
            field = cast(forms.ChoiceField, self.fields[name])
            field.choices = [("", everything), *choices[name]]

    @staticmethod
    def choices_for(plan: Plan) -> dict[str, list[tuple[str, str]]]:
        """The plan's actors, ministers and lines as plain values (a national plan lists
        hundreds of actors), in the active language; the views cache them."""
        language = translation.get_language()
        organisations = (
            Organisation.objects.filter(measure_roles__item__plan=plan)
            .values_list("key", "abbreviation", "name")
            .distinct()
        )
        ministers = Minister.objects.filter(items__plan=plan).values_list("key", "title")
        lines = plan.items.filter(kind=ItemKind.LINE).order_by("position")
        return {
            "actor": sorted(
                (
                    (key, i18n.pick(name, language) or abbreviation or key)
                    for key, abbreviation, name in organisations
                ),
                key=lambda choice: choice[1].lower(),
            ),
            "minister": sorted(
                ((key, i18n.pick(title, language)) for key, title in ministers.distinct()),
                key=lambda choice: choice[1].lower(),
            ),
            "line": [
                (code, f"{code} {i18n.pick(title, language)}")
                for code, title in lines.values_list("code", "title")
            ],
        }

    def filter(self, measures):
        data = self.cleaned_data
        if data.get("q"):
            measures = measures.search(data["q"])
        if data.get("type"):
            measures = measures.filter(measure_type=data["type"])
        if data.get("status"):
            measures = measures.filter(current_status=data["status"])
        if data.get("actor"):
            measures = measures.filter(actors__organisation__key=data["actor"])
        if data.get("minister"):
            measures = measures.filter(ministers__key=data["minister"])
        return measures

    @property
    def is_filtering(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)


class OpenRoundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    period = forms.CharField(
        label=_("Period reported on"), max_length=20, help_text=_("For example 2018 or 2018-H1.")
    )
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("The deadline cannot be in the past."))
        return deadline


class ProgressUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ProgressStatus.choices)
    percent = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    narrative = forms.CharField(
        label=_("What happened in this period?"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    evidence_links = forms.CharField(
        label=_("Evidence links"),
        required=False,
        max_length=4000,
        help_text=_("One web address per line."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[f"indicator_{indicator.pk}"] = forms.DecimalField(
                label=str(indicator), required=False, max_digits=14, decimal_places=2
            )

    def clean_evidence_links(self):
        validator = forms.URLField(assume_scheme="https")
        lines = [line.strip() for line in self.cleaned_data["evidence_links"].splitlines()]
        for line in filter(None, lines):
            validator.clean(line)
        return "\n".join(filter(None, lines))

    def clean(self):
        data = super().clean()
        if data.get("status") == ProgressStatus.COMPLETED and data.get("percent") != 100:
            self.add_error("percent", _("A completed measure is at 100%."))
        return data

    def update_data(self) -> dict:
        data = {
            key: self.cleaned_data[key]
            for key in ("status", "percent", "narrative", "evidence_links")
        }
        data["indicator_values"] = {
            str(i.pk): str(self.cleaned_data[f"indicator_{i.pk}"])
            for i in self.indicators
            if self.cleaned_data.get(f"indicator_{i.pk}") is not None
        }
        return data


class EvidenceFileForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"), required=False)

    ALLOWED = (".pdf", ".docx", ".xlsx", ".odt", ".ods", ".png", ".jpg", ".jpeg", ".csv", ".txt")
    MAX_BYTES = 10 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if not upload.name.lower().endswith(self.ALLOWED):
            raise forms.ValidationError(_("This type of file is not accepted."))
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("publish", _("Publish")), ("changes", _("Ask for changes"))]
    )
    comment = forms.CharField(
        label=_("Comment to the contact point"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "changes" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what needs to change."))
        return data


class EvaluationForm(forms.Form):
    """One completion level and note per measure of the round's plan."""

    def __init__(self, *args, measures, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.measures = list(measures)
        for measure in self.measures:
            entry = entries.get(measure.pk)
            self.fields[f"level_{measure.pk}"] = forms.ChoiceField(
                label=_("Completion level"),
                required=False,
                choices=[("", "—"), *CompletionLevel.choices],
                initial=entry.level if entry else "",
            )
            self.fields[f"note_{measure.pk}"] = forms.CharField(
                label=_("Note"),
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=entry.note if entry else "",
            )

    def rows(self):
        for measure in self.measures:
            yield measure, self[f"level_{measure.pk}"], self[f"note_{measure.pk}"]

    def entries(self) -> dict[int, tuple[str, str]]:
        return {
            m.pk: (self.cleaned_data[f"level_{m.pk}"], self.cleaned_data[f"note_{m.pk}"])
            for m in self.measures
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        help_text=_("The columns of the export; the header is row 1."),
    )

    MAX_BYTES = 20 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


class PlanForm(TranslatedForm):
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=80,
        help_text=_("Letters, digits and hyphens; used in web addresses."),
    )
    period_start = forms.IntegerField(label=_("First year"), min_value=1990, max_value=2100)
    period_end = forms.IntegerField(label=_("Last year"), min_value=1990, max_value=2100)

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.add_translated("title", _("Title"), required_one=True, max_length=300)
        self.add_translated(
            "summary", _("Summary"), required_one=False, max_length=4000, textarea=True
        )
        if plan is not None:
            del self.fields["slug"]

    def clean_slug(self):
        from plans.models import Plan

        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS or Plan.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("This short name is already used."))
        return slug

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("The last year cannot come before the first year."))
        return data

    def plan_data(self) -> dict:
        data = {
            "title": self.translations("title"),
            "summary": self.translations("summary"),
            "period_start": self.cleaned_data["period_start"],
            "period_end": self.cleaned_data["period_end"],
        }
        if "slug" in self.cleaned_data:
            data["slug"] = self.cleaned_data["slug"]
        return data


class PlanStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PlanStatus.choices)


class MeasureForm(TranslatedForm):
    measure_type = forms.ChoiceField(label=_("Type"), choices=MeasureType.choices)
    reporting_organisation = forms.ModelChoiceField(
        label=_("Reporting organisation"),
        queryset=Organisation.objects.all(),
        to_field_name="key",
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_translated("title", _("Title"), required_one=True, max_length=300)
        self.add_translated(
            "summary", _("Summary"), required_one=False, max_length=4000, textarea=True
        )

    def measure_data(self) -> dict:
        return {
            "title": self.translations("title"),
            "summary": self.translations("summary"),
            "measure_type": self.cleaned_data["measure_type"],
            "reporting_organisation": self.cleaned_data["reporting_organisation"],
        }


class IndicatorForm(TranslatedForm):
    unit = forms.CharField(label=_("Unit"), required=False, max_length=40)
    baseline = forms.DecimalField(
        label=_("Baseline"), required=False, max_digits=14, decimal_places=2
    )
    baseline_year = forms.IntegerField(
        label=_("Baseline year"), required=False, min_value=1990, max_value=2100
    )
    target = forms.DecimalField(label=_("Target"), required=False, max_digits=14, decimal_places=2)
    target_year = forms.IntegerField(
        label=_("Target year"), required=False, min_value=1990, max_value=2100
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_translated("name", _("Name"), required_one=True, max_length=300)
        self.order_fields([f"name_{code}" for code, _l in settings.LANGUAGES])

    def clean(self):
        data = super().clean()
        start, end = data.get("baseline_year"), data.get("target_year")
        if start and end and start > end:
            self.add_error("target_year", _("The target year cannot come before the baseline."))
        return data

    def indicator_data(self) -> dict:
        return {
            "name": self.translations("name"),
            **{
                f: self.cleaned_data[f]
                for f in ("unit", "baseline", "baseline_year", "target", "target_year")
            },
        }


class ActorForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organisation"), widget=FastSelect)
    role = forms.ChoiceField(label=_("Role"), choices=ActorRole.choices, initial=ActorRole.PARTNER)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", "—"), *organisations]


class BudgetLineForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=BudgetMode.choices)
    amount = forms.DecimalField(
        label=_("Amount"), required=False, max_digits=14, decimal_places=2, min_value=0
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="EUR")
    periodicity = forms.ChoiceField(label=_("Periodicity"), choices=Periodicity.choices)
    period_start = forms.IntegerField(
        label=_("From year"), required=False, min_value=1900, max_value=2200
    )
    period_end = forms.IntegerField(
        label=_("To year"), required=False, min_value=1900, max_value=2200
    )
    source = forms.CharField(label=_("Funding source"), required=False, max_length=80)
    fte = forms.DecimalField(
        label=_("Staff (FTE)"), required=False, max_digits=6, decimal_places=2, min_value=0
    )
    label = forms.CharField(label=_("Label"), required=False, max_length=120)
    original_text = forms.CharField(label=_("Original text"), required=False, max_length=2000)

    def line(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        for name in ("amount", "fte"):
            data[name] = None if data[name] is None else str(data[name])
        return data


ActorFormSet = forms.formset_factory(ActorForm, extra=2, can_delete=True, max_num=200)
BudgetLineFormSet = forms.formset_factory(BudgetLineForm, extra=1, can_delete=True, max_num=50)


class MeasureDetailsForm(forms.Form):
    ministers = forms.MultipleChoiceField(
        label=_("Responsible ministers"), required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = translation.get_language()
        self.fields["ministers"].choices = sorted(
            (
                (key, i18n.pick(title, language) or written)
                for key, title, written in Minister.objects.values_list(
                    "key", "title", "as_written"
                )
            ),
            key=lambda choice: choice[1].lower(),
        )


def organisation_choices() -> list[tuple[str, str]]:
    language = translation.get_language()
    return sorted(
        (
            (key, i18n.pick(name, language) or abbreviation or key)
            for key, abbreviation, name in Organisation.objects.values_list(
                "key", "abbreviation", "name"
            )
        ),
        key=lambda choice: choice[1].lower(),
    )
