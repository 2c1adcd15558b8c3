"""The directory's search, shared by the page and the API. Every query starts from the
access functions' scoped querysets."""

from __future__ import annotations

from django.db.models import Q

from network import access
from network.forms import DirectoryFilterForm
from network.models import facet_word


def directory(user, form: DirectoryFilterForm, kind: str):
    """Entries of one kind that the user may see, filtered by the form's valid values."""
    q, municipality = form.value("q"), form.value("municipality").strip().lower()
    sector, level = form.value("sector"), form.value("level")
    language, target = form.value("language"), form.value("target")
    if kind == "organisations":
        orgs = access.visible_organisations(user).select_related("verified_by").search(q)
        if sector:
            orgs = orgs.filter(sector=sector)
        if level:
            orgs = orgs.filter(level=level)
        if municipality:
            orgs = orgs.filter(municipality__iexact=municipality)
        if language:
            orgs = orgs.filter(facets__contains=facet_word("language", language))
        return orgs.order_by("key").defer("search_text", "facets")
    found = access.visible_services(user).select_related("organisation").search(q)
    if sector:
        found = found.filter(organisation__sector=sector)
    if level:
        found = found.filter(organisation__level=level)
    if municipality:
        found = found.filter(
            Q(municipality__iexact=municipality)
            | Q(facets__contains=facet_word("area", municipality))
            | Q(municipality="", organisation__municipality__iexact=municipality)
        )
    if language:
        found = found.filter(facets__contains=facet_word("language", language))
    if target:
        found = found.filter(facets__contains=facet_word("target", target))
    return found.order_by("organisation__key", "id").defer(
        "search_text", "facets", "organisation__search_text", "organisation__facets"
    )
