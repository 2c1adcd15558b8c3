"""Widgets for long option lists, rendered in Python rather than one template per option."""

from django import forms
from django.utils.html import format_html, format_html_join


class FastSelect(forms.Select):
    """A <select> whose options are joined in Python: a filter listing hundreds of
    organisations would otherwise cost more to render than the rest of the page."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        attrs["name"] = name
        selected = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(key), " selected" if str(key) == selected else "", label)
                for key, label in self.choices
            ),
        )
        attributes = format_html_join("", ' {}="{}"', sorted(attrs.items()))
        return format_html("<select{}>{}</select>", attributes, options)
