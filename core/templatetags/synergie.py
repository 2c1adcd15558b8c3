"""Template helpers shared by every app."""

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html

from core import i18n

register = template.Library()


@register.filter
def tr(values):
    """Per-language content in the active language, with the fallback order."""
    return i18n.pick(values)


@register.filter
def money(amount, currency="EUR"):
    """An amount in the user's locale: 1.234,56 € in Dutch, 1 234,56 € in French."""
    if amount is None:
        return ""
    symbol = "€" if currency == "EUR" else currency
    return f"{number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)} {symbol}"


@register.filter
def number(value, decimals=0):
    if value is None:
        return ""
    return number_format(value, decimal_pos=int(decimals), use_l10n=True, force_grouping=True)


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs):
    """The current query string with some parameters replaced (for pagination and filters)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    return (mapping or {}).get(key)


@register.simple_tag
def progress_bar(value, label):
    """A labelled progress bar (0–100) with its figure, in the user's locale."""
    shown = "—" if value is None else f"{number_format(value, decimal_pos=0, use_l10n=True)} %"
    return format_html(
        '<span class="progress-wrap"><progress max="100" value="{}" aria-label="{}">{}</progress>'
        '<span class="progress-label">{}</span></span>',
        int(value or 0),
        label,
        shown,
        shown,
    )
