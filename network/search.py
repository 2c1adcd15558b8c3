"""The directory's search, shared by the page and the API. Every query starts from the
access functions' scoped querysets."""

from __future__ import annotations

from django.db.models import Q

from network import access
from network.forms import DirectoryFilterForm, GapFilterForm
from network.models import Organisation, facet_word


def directory(user, form: DirectoryFilterForm, kind: str):
    """Entries of one kind that the user may see, filtered by the form's valid values."""
    q, municipality = form.value("q"), form.value("municipality").strip().lower()
    sector, level = form.value("sector"), form.value("level")
    language, target = form.value("language"), form.value("target")
    if kind == "people":
        return _people(user, q, sector, level, municipality, language)
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
            | Q(municipality="", organisation__in=_organisations_in(municipality))
        )
    if language:
        found = found.filter(facets__contains=facet_word("language", language))
    if target:
        found = found.filter(facets__contains=facet_word("target", target))
    return found.order_by("organisation__key", "id").defer(
        "search_text", "facets", "organisation__search_text", "organisation__facets"
    )


def _people(user, q, sector, level, municipality, language):
    """Posts and the people holding them (vacant posts too: a vacancy is worth knowing)."""
    posts = access.visible_posts(user).select_related("organisation", "kind", "holder").search(q)
    if sector:
        posts = posts.filter(organisation__sector=sector)
    if level:
        posts = posts.filter(organisation__level=level)
    if municipality:
        posts = posts.filter(
            Q(area__iexact=municipality) | Q(organisation__in=_organisations_in(municipality))
        )
    if language:
        posts = posts.filter(organisation__facets__contains=facet_word("language", language))
    return posts.order_by("organisation__key", "kind__key", "id").defer(
        "search_text", "organisation__search_text", "organisation__facets"
    )


def _organisations_in(municipality: str) -> list[int]:
    """The keys of the organisations based in a municipality, fetched first. A condition on
    the joined organisation, ORed with conditions on the entry itself, makes PostgreSQL scan
    every entry; a list of keys is one more indexed condition on the entry's own columns,
    which it combines with the others (and with the search text's trigram index)."""
    found = Organisation.objects.filter(municipality__iexact=municipality).order_by()
    return list(found.values_list("pk", flat=True))


def gaps(user, form: GapFilterForm, state: str):
    """Open gaps (newest first) or the history of closed ones, of the rules the user sees.
    The callers pick the related rows they show."""
    found = access.visible_gaps(user)
    if state == "closed":
        found = found.filter(closed_at__isnull=False).order_by("-closed_at", "-id")
    else:
        found = found.filter(closed_at__isnull=True).order_by("-opened_at", "-id")
    if form.value("rule"):
        found = found.filter(rule=form.value("rule"))
    if form.value("q"):
        found = found.filter(organisation__search_text__contains=form.value("q").strip().lower())
    return found
