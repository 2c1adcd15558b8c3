"""How a person appears in lists and headers: the pseudonymous handle, and a "Minor" badge
while under 18. A tag rather than an include: lists show it on every row, and an include
costs a template context and a render of its own each time."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def person_handle(person) -> str:
    if person.is_minor:
        return format_html(
            '<span class="person-handle"><strong>{}</strong> '
            '<span class="badge badge-minor">{}</span></span>',
            person.handle,
            gettext("Minor"),
        )
    return format_html('<span class="person-handle"><strong>{}</strong></span>', person.handle)
