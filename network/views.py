"""HTML views of the directory: scope, form, service, render."""

from __future__ import annotations

import csv
from typing import cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from network import access, hsds, imports, search, services
from network import cache as directory_cache
from network.forms import (
    AppointForm,
    AreaTextsForm,
    CoverageRuleForm,
    DirectoryFilterForm,
    DirectoryImportForm,
    GapFilterForm,
    OrganisationForm,
    PostForm,
    ServiceForm,
    SignatoryForm,
    SlotFormSet,
    VacateForm,
    slots_from,
)
from network.models import (
    Capacity,
    Channel,
    CoverageGap,
    CoverageRule,
    Post,
    Review,
    SynergyArea,
    TargetGroup,
)
from plans import access as plans_access
from plans.models import MeasureActor

PAGE_SIZE = 25
GAP_PAGE_SIZE = 50
COUNT_LIMIT = 1000
LANGUAGES = [code for code, _name in settings.LANGUAGES]


class CappedPaginator(Paginator):
    """Counts the results up to `limit` only: a broad search says "more than 1000" instead
    of making the database count tens of thousands of rows on every request. Every page stays
    reachable: the last page within the limit links to the next one, and a page past the
    limit is counted in full, as Django's Paginator counts."""

    def __init__(self, object_list, per_page, *, limit: int | None = None):
        super().__init__(object_list, per_page)
        self.limit: int | None = COUNT_LIMIT if limit is None else limit

    def get_page(self, number):
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            wanted = 1
        if self.limit is not None and wanted * self.per_page > self.limit:
            self.limit = None
        return super().get_page(number)

    @cached_property
    def count(self) -> int:
        # Unordered, so that the database can stop at the first limit + 1 rows it finds.
        found = cast(QuerySet, self.object_list).order_by()
        return found.count() if self.limit is None else found[: self.limit + 1].count()

    @property
    def is_capped(self) -> bool:
        """Whether there are more results than were counted (the count is then limit + 1)."""
        return self.limit is not None and self.count > self.limit


@directory_cache.visitor_page
def directory(request):
    form = DirectoryFilterForm(request.GET or None)
    form.is_valid()
    kind = form.value("kind") or "services"

    def render_results() -> str:
        results = search.directory(request.user, form, kind)
        page = CappedPaginator(results, PAGE_SIZE).get_page(form.value("page") or 1)
        context = {"form": form, "kind": kind, "page": page, "query": request.GET}
        # The request for the pager's links only, without the context processors: nothing
        # of the visitor (CSRF token, CSP nonce) can reach the cached fragment.
        return render_to_string("network/_results.html", {**context, "request": request})

    # The same for everyone of the audience asking the same query: members see more than
    # the public, so each audience has its own entries.
    query = (access.audience(request.user), tuple(sorted(request.GET.lists())))
    results_html = directory_cache.cached("results", query, render_results)
    if request.headers.get("HX-Request"):
        return HttpResponse(results_html)
    context = {
        "form": form,
        "results_html": mark_safe(results_html),  # noqa: S308  (rendered by our template)
        "can_import": access.can_coordinate_network(request.user),
    }
    return render(request, "network/directory.html", context)


def organisation_detail(request, key):
    org = access.get_organisation_for_user(request.user, key)
    plans = plans_access.visible_plans(request.user)
    roles = (
        MeasureActor.objects.filter(organisation=org, item__plan__in=plans)
        .select_related("item__plan")
        .order_by("item__plan__slug", "item__position")
    )
    context = {
        "org": org,
        "parent": access.visible_parent(request.user, org),
        "services": access.visible_services(request.user).filter(organisation=org),
        "children": access.visible_organisations(request.user).filter(parent=org),
        "roles": roles,
        "posts": access.visible_posts(request.user)
        .filter(organisation=org)
        .select_related("kind", "holder"),
        "can_edit": access.can_edit_organisation(request.user, org),
        "can_manage_posts": access.can_manage_posts(request.user, org),
    }
    return render(request, "network/organisation_detail.html", context)


@login_required
def organisation_edit(request, key):
    org = access.get_organisation_for_user(request.user, key)
    access.require(access.can_edit_organisation(request.user, org))
    form = OrganisationForm(request.POST or None, initial=OrganisationForm.initial_from(org))
    if request.method == "POST" and form.is_valid():
        services.update_organisation(org, form.organisation_data(), acting_user=request.user)
        messages.success(request, _("The organisation is saved."))
        return redirect("network:organisation", key=org.key)
    return render(request, "network/organisation_form.html", {"form": form, "org": org})


@login_required
@require_POST
def organisation_verify(request, key):
    org = access.get_organisation_for_user(request.user, key)
    access.require(access.can_edit_organisation(request.user, org))
    services.verify_organisation(org, acting_user=request.user)
    messages.success(request, _("Thank you: the entry is marked as verified today."))
    return redirect("network:organisation", key=org.key)


def service_detail(request, service_uuid):
    service = access.get_service_for_user(request.user, service_uuid)
    targets, channels = dict(TargetGroup.choices), dict(Channel.choices)
    context = {
        "service": service,
        "org": service.organisation,
        "slots": service.slots.all(),
        "target_labels": [targets[t] for t in service.target_groups if t in targets],
        "channel_labels": [channels[c] for c in service.channels if c in channels],
        "can_edit": access.can_edit_service(request.user, service),
    }
    return render(request, "network/service_detail.html", context)


@login_required
def service_create(request, key):
    org = access.get_organisation_for_user(request.user, key)
    access.require(access.can_edit_organisation(request.user, org))
    return _service_form(request, org, None)


@login_required
def service_edit(request, service_uuid):
    service = access.get_service_for_user(request.user, service_uuid)
    access.require(access.can_edit_service(request.user, service))
    return _service_form(request, service.organisation, service)


def _service_form(request, org, service):
    initial = ServiceForm.initial_from(service) if service else {"is_public": True}
    form = ServiceForm(request.POST or None, initial=initial)
    slot_initial = list(service.slots.values("weekday", "opens_at", "closes_at")) if service else []
    slots = SlotFormSet(request.POST or None, initial=slot_initial, prefix="slots")
    if request.method == "POST" and form.is_valid() and slots.is_valid():
        data, hours = form.service_data(), slots_from(slots)
        if service is None:
            service = services.create_service(org, data, hours, acting_user=request.user)
        else:
            services.update_service(service, data, hours, acting_user=request.user)
        messages.success(request, _("The service is saved."))
        return redirect("network:service", service_uuid=service.uuid)
    context = {"form": form, "slots": slots, "org": org, "service": service}
    return render(request, "network/service_form.html", context)


@login_required
@require_POST
def service_verify(request, service_uuid):
    service = access.get_service_for_user(request.user, service_uuid)
    access.require(access.can_edit_service(request.user, service))
    services.verify_service(service, acting_user=request.user)
    messages.success(request, _("Thank you: the entry is marked as verified today."))
    return redirect("network:service", service_uuid=service.uuid)


def open_data(request):
    return render(request, "network/open_data.html", {"languages": LANGUAGES})


def hsds_export(request, language):
    """The public directory as an Open Referral HSDS 3.0 dataset in one language."""
    if language not in LANGUAGES:
        return HttpResponse(status=404)
    response = JsonResponse(hsds.build_dataset(language), json_dumps_params={"indent": 1})
    response["Content-Disposition"] = f'attachment; filename="synergie-hsds-{language}.json"'
    return response


@login_required
def directory_import(request):
    """Organisations or services from a spreadsheet: all rows or none (network/imports.py)."""
    access.require(access.can_coordinate_network(request.user))
    form = DirectoryImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        kind, upload = form.cleaned_data["kind"], form.cleaned_data["file"]
        result = imports.import_directory(
            kind, upload.name, upload.read(), acting_user=request.user
        )
        errors = result.errors
        if not errors:
            messages.success(
                request,
                _("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect(f"{reverse('network:directory')}?kind={kind}")
    context = {
        "form": form,
        "errors": errors,
        "organisation_columns": imports.organisation_columns(),
        "service_columns": imports.service_columns(),
    }
    return render(request, "network/import.html", context)


@login_required
def directory_import_template(request, kind):
    """An empty file with the columns of an import, to fill in."""
    access.require(access.can_coordinate_network(request.user))
    if kind not in imports.KINDS:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="synergie-{kind}.csv"'
    response.write("\ufeff")  # so that spreadsheets open it as UTF-8
    csv.writer(response).writerow(imports.columns(kind))
    return response


def post_detail(request, post_uuid):
    post = access.get_post_for_user(request.user, post_uuid)
    signed_in = request.user.is_authenticated
    context = {
        "post": post,
        "org": post.organisation,
        "tenures": post.tenures.select_related("professional") if signed_in else [],
        "can_manage": access.can_manage_posts(request.user, post.organisation),
        "show_clearance": access.can_see_clearance(request.user, post),
    }
    return render(request, "network/post_detail.html", context)


@login_required
def post_create(request, key):
    org = access.get_organisation_for_user(request.user, key)
    access.require(access.can_manage_posts(request.user, org))
    initial = {
        "kind": request.GET.get("kind", ""),
        "capacity": request.GET.get("capacity", Capacity.EFFECTIVE),
    }
    form = PostForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        post = services.create_post(org, form.post_data(), acting_user=request.user)
        messages.success(request, _("The post is saved. You can now appoint its holder."))
        return redirect("network:post_appoint", post_uuid=post.uuid)
    return render(request, "network/post_form.html", {"form": form, "org": org, "post": None})


@login_required
def post_edit(request, post_uuid):
    post = access.get_post_for_user(request.user, post_uuid)
    access.require(access.can_manage_posts(request.user, post.organisation))
    form = PostForm(request.POST or None, initial=PostForm.initial_from(post))
    if request.method == "POST" and form.is_valid():
        services.update_post(post, form.post_data(), acting_user=request.user)
        messages.success(request, _("The post is saved."))
        return redirect("network:post", post_uuid=post.uuid)
    context = {"form": form, "org": post.organisation, "post": post}
    return render(request, "network/post_form.html", context)


@login_required
def post_appoint(request, post_uuid):
    post = access.get_post_for_user(request.user, post_uuid)
    access.require(access.can_manage_posts(request.user, post.organisation))
    form = AppointForm(request.POST or None, post=post, initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        tenure = services.appoint_person(post, **form.cleaned_data, acting_user=request.user)
        name = tenure.professional.full_name
        messages.success(request, _("%(name)s now holds the post.") % {"name": name})
        return redirect("network:post", post_uuid=post.uuid)
    return render(request, "network/post_appoint.html", {"form": form, "post": post})


@login_required
def post_vacate(request, post_uuid):
    post = access.get_post_for_user(request.user, post_uuid)
    access.require(access.can_manage_posts(request.user, post.organisation))
    form = VacateForm(request.POST or None, initial={"ends_on": timezone.localdate()})
    if post.holder is None:
        messages.info(request, _("The post is already vacant."))
        return redirect("network:post", post_uuid=post.uuid)
    if request.method == "POST" and form.is_valid():
        services.vacate(post, form.cleaned_data["ends_on"], acting_user=request.user)
        messages.success(request, _("The post is now vacant."))
        return redirect("network:post", post_uuid=post.uuid)
    return render(request, "network/post_vacate.html", {"form": form, "post": post})


@login_required
@require_POST
def post_verify(request, post_uuid):
    post = access.get_post_for_user(request.user, post_uuid)
    access.require(access.can_manage_posts(request.user, post.organisation))
    services.verify_post(post, acting_user=request.user)
    messages.success(request, _("Thank you: the entry is marked as verified today."))
    return redirect("network:post", post_uuid=post.uuid)


@login_required
def coverage_report(request):
    rules = access.visible_rules(request.user)  # 403 for everyone but the coordinators

    def rule_list() -> list[CoverageRule]:
        found = rules.select_related("kind", "owner").defer("owner__search_text", "owner__facets")
        return list(found.annotate(open_gaps=_open_gap_count()))

    def render_gaps() -> str:
        form = GapFilterForm(request.GET or None)
        state = form.value("state") or "open"
        gaps = (
            search.gaps(request.user, form, state)
            .select_related("rule__kind", "organisation", "closed_by")
            .defer("organisation__search_text", "organisation__facets")
        )
        page = Paginator(gaps, GAP_PAGE_SIZE).get_page(form.value("page") or 1)
        context = {"form": form, "state": state, "page": page, "rows": coverage_rows(page)}
        # As the directory's results: the request for the pager's links only.
        return render_to_string("network/_gaps.html", {**context, "request": request})

    # Every coordinator sees every rule and gap alike: the rules and the gaps section are
    # rendered once per language and query, until the directory or its coverage changes.
    # Who may edit a rule is the user's own, worked out around the cached list.
    query = tuple(sorted(request.GET.lists()))
    rule_rows, gaps_html = directory_cache.cached_many(
        [("coverage-rules", (), rule_list), ("coverage-gaps", query, render_gaps)]
    )
    context = {
        "rules": rule_rows,
        "gaps_html": mark_safe(gaps_html),  # noqa: S308  (rendered by our template)
        "can_define": access.can_coordinate_network(request.user),
    }
    return render(request, "network/coverage.html", context)


def _open_gap_count():
    """Open gaps per rule as a correlated count: it reads the (closed_at, rule) index where
    a grouped join over every gap would sort them all."""
    gaps = CoverageGap.objects.filter(rule=OuterRef("pk"), closed_at__isnull=True).order_by()
    return Coalesce(Subquery(gaps.values("rule").annotate(n=Count("id")).values("n")), 0)


def coverage_rows(gaps) -> list[dict]:
    """Each gap with the vacant post that would fill it, if there is one (one query)."""
    gaps = list(gaps)
    vacant: dict[tuple, Post] = {}
    posts = (
        Post.objects.filter(
            holder__isnull=True,
            organisation_id__in={g.organisation_id for g in gaps},
            kind_id__in={g.rule.kind_id for g in gaps},
        )
        .only("uuid", "organisation_id", "kind_id", "capacity")
        .order_by("id")
    )
    for post in posts:
        vacant.setdefault((post.organisation_id, post.kind_id, post.capacity), post)
    rows = []
    for gap in gaps:
        rule = gap.rule
        capacity = Capacity.ACTING if gap.held_acting < rule.minimum_acting else Capacity.EFFECTIVE
        free = vacant.get((gap.organisation_id, rule.kind_id, capacity))
        if free is not None:
            url = reverse("network:post_appoint", args=[free.uuid])
            label = _("Appoint to the vacant post")
        else:
            url = reverse("network:post_create", args=[gap.organisation.key])
            url += "?" + urlencode({"kind": rule.kind.key, "capacity": capacity})
            label = _("Add an acting post") if capacity == Capacity.ACTING else _("Add a post")
        rows.append(
            {
                "gap": gap,
                "rule": rule,
                "organisation_url": reverse("network:organisation", args=[gap.organisation.key]),
                "held": _held(gap, rule),
                "action_url": url,
                "action_label": label,
            }
        )
    return rows


def _held(gap, rule) -> str:
    """'2 of 3; effective 1 of 2': worked out here rather than by three blocktranslates per
    row (a page shows 50)."""
    held = [_("%(held)s of %(wanted)s") % {"held": gap.held_total, "wanted": rule.minimum_total}]
    if rule.minimum_effective:
        held.append(
            _("effective %(held)s of %(wanted)s")
            % {"held": gap.held_effective, "wanted": rule.minimum_effective}
        )
    if rule.minimum_acting:
        held.append(
            _("acting %(held)s of %(wanted)s")
            % {"held": gap.held_acting, "wanted": rule.minimum_acting}
        )
    return "; ".join(held)


@login_required
def rule_create(request):
    access.require(access.can_coordinate_network(request.user))
    form = CoverageRuleForm(request.POST or None, initial={"minimum_total": 1, "is_active": True})
    if request.method == "POST" and form.is_valid():
        services.save_rule(
            None, form.rule_data(), owner=request.user.organisation, acting_user=request.user
        )
        messages.success(request, _("The rule is saved and was checked against the directory."))
        return redirect("network:coverage")
    return render(request, "network/rule_form.html", {"form": form, "rule": None})


@login_required
def rule_edit(request, rule_id):
    rule = access.get_rule_for_user(request.user, rule_id)
    access.require(access.can_edit_rule(request.user, rule))
    form = CoverageRuleForm(request.POST or None, initial=CoverageRuleForm.initial_from(rule))
    if request.method == "POST" and form.is_valid():
        services.save_rule(rule, form.rule_data(), owner=rule.owner, acting_user=request.user)
        messages.success(request, _("The rule is saved and was checked against the directory."))
        return redirect("network:coverage")
    return render(request, "network/rule_form.html", {"form": form, "rule": rule})


def protocol_list(request):
    protocols = access.visible_protocols(request.user).select_related("coordinator")
    return render(request, "network/protocol_list.html", {"protocols": protocols})


def protocol_detail(request, key):
    protocol = access.get_protocol_for_user(request.user, key)
    signatories = list(
        protocol.signatories.select_related("organisation").prefetch_related("commitments")
    )
    context = {
        "protocol": protocol,
        "signatories": signatories,
        "areas": SynergyArea.choices,
        "can_manage": access.can_manage_protocol(request.user, protocol),
        "writable": {s.pk for s in signatories if access.can_write_for_signatory(request.user, s)},
    }
    if access.can_see_reviews(request.user):
        visible = access.visible_reviews(request.user, protocol).order_by()
        years = sorted(
            set(visible.values_list("year", flat=True)) | {timezone.localdate().year},
            reverse=True,
        )
        year = _year(request.GET.get("year"), default=years[0])
        reviews = visible.filter(year=year)
        by_signatory: dict[int, dict[str, Review]] = {}
        for review in reviews:
            by_signatory.setdefault(review.signatory_id, {})[review.area] = review
        context.update({"years": years, "year": year, "reviews": by_signatory})
    return render(request, "network/protocol_detail.html", context)


def _year(value, *, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


@login_required
def signatory_add(request, key):
    protocol = access.get_protocol_for_user(request.user, key)
    access.require(access.can_manage_protocol(request.user, protocol))
    form = SignatoryForm(request.POST or None, protocol=protocol)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.add_signatory(
            protocol,
            data["organisation"],
            signed_on=data["signed_on"],
            signed_by=data["signed_by"],
            acting_user=request.user,
        )
        messages.success(request, _("The signature is recorded."))
        return redirect("network:protocol", key=protocol.key)
    return render(request, "network/signatory_form.html", {"form": form, "protocol": protocol})


@login_required
def commitments_edit(request, key, signatory_id):
    protocol = access.get_protocol_for_user(request.user, key)
    signatory = access.get_signatory_for_user(request.user, protocol, pk=signatory_id)
    access.require(access.can_write_for_signatory(request.user, signatory))
    initial = {c.area: c.text for c in signatory.commitments.all()}
    form = AreaTextsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_commitments(signatory, form.texts(), acting_user=request.user)
        messages.success(request, _("The commitments are saved."))
        return redirect("network:protocol", key=protocol.key)
    context = {"form": form, "protocol": protocol, "signatory": signatory, "year": None}
    return render(request, "network/area_texts_form.html", context)


@login_required
def review_edit(request, key, signatory_id, year):
    protocol = access.get_protocol_for_user(request.user, key)
    signatory = access.get_signatory_for_user(request.user, protocol, pk=signatory_id)
    access.require(access.can_write_for_signatory(request.user, signatory))
    if _year(year, default=0) != year or year > timezone.localdate().year:
        raise Http404
    initial = {r.area: r.text for r in signatory.reviews.filter(year=year)}
    form = AreaTextsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_review(signatory, year, form.texts(), acting_user=request.user)
        messages.success(request, _("The review is saved."))
        return redirect(f"{reverse('network:protocol', args=[protocol.key])}?year={year}")
    context = {"form": form, "protocol": protocol, "signatory": signatory, "year": year}
    return render(request, "network/area_texts_form.html", context)
