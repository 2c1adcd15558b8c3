from django import forms
from django.utils.translation import gettext_lazy as _


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label=_("Actor (e-mail)"), required=False, max_length=254)
    action = forms.CharField(label=_("Action"), required=False, max_length=80)
    target_type = forms.CharField(label=_("Target type"), required=False, max_length=80)
    target_id = forms.CharField(label=_("Target id"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date must be before the end date."))
        return data

    def filter(self, queryset):
        data = self.cleaned_data
        if data.get("actor"):
            queryset = queryset.filter(actor_label__icontains=data["actor"])
        if data.get("action"):
            queryset = queryset.filter(action__startswith=data["action"])
        if data.get("target_type"):
            queryset = queryset.filter(target_type=data["target_type"])
        if data.get("target_id"):
            queryset = queryset.filter(target_id=data["target_id"])
        if data.get("date_from"):
            queryset = queryset.filter(at__date__gte=data["date_from"])
        if data.get("date_to"):
            queryset = queryset.filter(at__date__lte=data["date_to"])
        return queryset
