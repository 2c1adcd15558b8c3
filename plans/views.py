"""HTML views of the action-plan monitor. Short: scope, form, service, render."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import AuditEvent
from audit.services import record
from core import i18n
from plans import access, charts, history, reports, services, tree
from plans import cache as plans_cache
from plans.forms import (
    ActorFormSet,
    BudgetLineFormSet,
    EvaluationForm,
    EvidenceFileForm,
    ImportForm,
    IndicatorForm,
    MeasureDetailsForm,
    MeasureForm,
    OpenRoundForm,
    PlanForm,
    PlanStatusForm,
    ProgressUpdateForm,
    ReviewForm,
    TreeFilterForm,
    organisation_choices,
)
from plans.models import (
    BUDGET_LINE_FIELDS,
    ItemKind,
    MeasureActor,
    MeasureMinister,
    MeasureType,
    PlanItem,
    ProgressStatus,
    UpdateState,
)


def plan_list(request):
    # A subquery per plan uses the (plan, kind, position) index; a GROUP BY over plans
    # would scan every item of every plan.
    measures = (
        PlanItem.objects.filter(plan=OuterRef("pk"), kind=ItemKind.MEASURE)
        .order_by()
        .values("plan")
        .annotate(count=Count("pk"))
        .values("count")
    )
    plans = (
        access.visible_plans(request.user)
        .select_related("owner")
        .annotate(measure_count=Coalesce(Subquery(measures), 0))
    )
    return render(
        request,
        "plans/plan_list.html",
        {"plans": plans, "can_create": access.can_create_plan(request.user)},
    )


def _items_with_details(plan):
    return list(
        plan.items.select_related("reporting_organisation")
        .defer(
            "search_text",
            "summary",
            "budget_text",
            "reporting_organisation__search_text",
            "reporting_organisation__facets",
            "reporting_organisation__description",
        )
        .order_by("position")
    )


def _present(plan, rows: list[tree.Row]) -> list[tree.Row]:
    """Fill the rows' display fields in Python, once per page rather than per template
    lookup: labels, links and actor names of a 250-measure plan."""
    language = translation.get_language()
    actors: dict[int, list[str]] = {}
    for item_id, abbreviation, key in (
        MeasureActor.objects.filter(item__plan=plan)
        .order_by("item_id", "position")
        .values_list("item_id", "organisation__abbreviation", "organisation__key")
    ):
        actors.setdefault(item_id, []).append(abbreviation or key)
    types = {code: str(label) for code, label in MeasureType.choices}
    statuses = {code: str(label) for code, label in ProgressStatus.choices}
    url = reverse("plans:measure", args=[plan.slug, "CODE"])
    for row in rows:
        item = row.item
        row.title = i18n.pick(item.title, language)
        if row.event == "leaf":
            row.url = url.replace("CODE", quote(item.code))
            row.type_label = types.get(item.measure_type, "")
            row.status_label = statuses.get(item.current_status, "")
            row.actors = ", ".join(actors.get(item.pk, []))
    return rows


@plans_cache.visitor_page
def plan_detail(request, slug):
    query = sorted(request.GET.lists())
    if request.headers.get("HX-Request"):  # the filtered tree alone
        plan = access.get_plan_for_user(request.user, slug)
        html = plans_cache.cached(
            "tree", (plan.pk, query), lambda: _tree(plan, _tree_filter_form(request, plan))
        )
        return HttpResponse(html)
    return _page(request, "plan-page", (slug, query), lambda: _plan_page(request, slug, query))


def _page(request, name: str, parts: tuple, compute: Callable[[], tuple[str, str]]):
    """A plan or measure page from its title and content. A visitor's are the same for every
    visitor: the lookups, the header and the body come from the cache in one read (a 404 is
    never stored). This serves visitors with a session; those without one get the whole
    page from `visitor_page` before the view runs."""
    if request.user.is_authenticated:
        title, content = compute()
    else:
        title, content = plans_cache.cached(name, parts, compute)
    context = {"title": title, "content_html": mark_safe(content)}  # noqa: S308
    return render(request, "plans/page.html", context)


def _tree_filter_form(request, plan) -> TreeFilterForm:
    # The choices are cached: setting hundreds of them is costly in itself.
    choices = plans_cache.cached("filters", (plan.pk,), lambda: TreeFilterForm.choices_for(plan))
    return TreeFilterForm(request.GET or None, choices=choices)


def _tree(plan, form: TreeFilterForm) -> str:
    root = tree.build(_items_with_details(plan))
    shown = None
    if form.is_bound and form.is_valid() and form.is_filtering:
        keep = set(form.filter(plan.items.measures()).values_list("pk", flat=True))
        line_code = form.cleaned_data.get("line")
        if line_code:
            line = next(n for n in root.children if n.item and n.item.code == line_code)
            keep &= {m.pk for m in line.measures}
        tree.prune(root, keep)
        shown = len(keep)
    context = {"form": form, "root": root, "rows": _present(plan, tree.walk(root)), "shown": shown}
    return render_to_string("plans/_tree.html", context)


def _plan_page(request, slug, query) -> tuple[str, str]:
    """The plan page's title and content, as the user may see them."""
    plan = access.get_plan_for_user(request.user, slug)
    form = functools.cache(lambda: _tree_filter_form(request, plan))  # built on a miss only
    # The filters and the tree are the same for everyone who may see the plan: cached
    # per query (rendering a select of hundreds of actors costs more than the queries).
    tree_html, filters_html = plans_cache.cached_many(
        [
            ("tree", (plan.pk, query), lambda: _tree(plan, form())),
            (
                "filters-html",
                (plan.pk, query),
                lambda: render_to_string("plans/_filters.html", {"form": form(), "plan": plan}),
            ),
        ]
    )
    context = {
        "plan": plan,
        "tree_html": mark_safe(tree_html),  # noqa: S308 -- rendered by our template
        "filters_html": mark_safe(filters_html),  # noqa: S308
        "can_coordinate": access.can_coordinate_plan(request.user, plan),
        "rounds": _first_rounds(request.user, plan),
    }
    # Rendered without the request: nothing of the visitor (CSRF token, CSP nonce) goes in.
    return i18n.pick(plan.title), render_to_string("plans/_plan_page.html", context)


def _first_rounds(user, plan) -> list:
    """The plan page's latest rounds, if the user may see any: a visitor's empty queryset
    would still have its ordering compiled (~0.5 ms) to find out that it is empty."""
    rounds = access.visible_rounds(user, plan)
    return [] if rounds.query.is_empty() else list(rounds[:5])


@plans_cache.visitor_page
def measure_detail(request, slug, code):
    return _page(request, "measure-page", (slug, code), lambda: _measure_page(request, slug, code))


def _measure_page(request, slug, code) -> tuple[str, str]:
    """The measure page's title and content, as the user may see them."""
    plan = access.get_plan_for_user(request.user, slug)
    item = access.get_measure_for_user(request.user, plan, code)
    can_coordinate = access.can_coordinate_plan(request.user, plan)
    signed_in = request.user.is_authenticated

    def render_body() -> str:
        context = {
            "plan": plan,
            "item": item,
            "actors": item.actors.select_related("organisation"),
            "ministers": [
                mm.minister
                for mm in MeasureMinister.objects.filter(item=item).select_related("minister")
            ],
            "budget_lines": item.budget_lines.all(),
            "indicators": item.indicators.prefetch_related("values"),
            "history": history.between_rounds(access.published_updates(item)),
            "can_coordinate": can_coordinate,
            "show_people": signed_in,
        }
        return render_to_string("plans/_measure_body.html", context)

    # The body varies only with the two flags that change what it shows.
    parts = (item.pk, can_coordinate, signed_in)
    context = {
        "plan": plan,
        "item": item,
        "ancestors": _ancestors(item),
        "body_html": mark_safe(plans_cache.cached("measure", parts, render_body)),  # noqa: S308
        "edits": (
            AuditEvent.objects.for_target(item).filter(action="measure.updated")[:20]
            if can_coordinate
            else []
        ),
        "can_coordinate": can_coordinate,
    }
    # Rendered without the request: nothing of the visitor (CSRF token, CSP nonce) goes in.
    title = f"{item.code} {i18n.pick(item.title)}"
    return title, render_to_string("plans/_measure_page.html", context)


def _ancestors(item: PlanItem) -> list[PlanItem]:
    chain: list[PlanItem] = []
    parent = item.parent
    while parent is not None:
        chain.insert(0, parent)
        parent = parent.parent
    return chain


@plans_cache.visitor_page
def dashboard(request, slug):
    plan = access.get_plan_for_user(request.user, slug)

    def render_charts() -> str:
        root = tree.build(_items_with_details(plan))
        charts_ = charts.dashboard_charts(plan, root)
        return render_to_string("plans/_charts.html", {"charts": charts_})

    charts_html = plans_cache.cached("dashboard", (plan.pk,), render_charts)
    context = {"plan": plan, "charts_html": mark_safe(charts_html)}  # noqa: S308
    return render(request, "plans/dashboard.html", context)


@login_required
def round_open(request, slug):
    plan = access.get_plan_for_user(request.user, slug)
    access.require(access.can_coordinate_plan(request.user, plan))
    form = OpenRoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rnd = services.open_round(plan, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The reporting round is open."))
            return redirect("plans:round", slug=plan.slug, round_id=rnd.pk)
    return render(request, "plans/round_open.html", {"plan": plan, "form": form})


@login_required
def round_detail(request, slug, round_id):
    plan = access.get_plan_for_user(request.user, slug)
    rnd = access.get_round_for_user(request.user, plan, round_id)
    updates = access.visible_updates(request.user, rnd).order_by("item__position")
    context = {
        "plan": plan,
        "round": rnd,
        "updates": updates,
        "can_coordinate": access.can_coordinate_plan(request.user, plan),
        "late_count": services.late_updates(rnd).count(),
        "states": UpdateState,
    }
    return render(request, "plans/round_detail.html", context)


@login_required
def update_edit(request, slug, round_id, code):
    plan = access.get_plan_for_user(request.user, slug)
    rnd = access.get_round_for_user(request.user, plan, round_id)
    update = access.get_update_for_user(request.user, rnd, code)
    can_edit = access.can_edit_update(request.user, update)
    if request.method == "POST":
        access.require(can_edit)
    indicators = list(update.item.indicators.all())
    initial = {
        "status": update.status,
        "percent": update.percent,
        "narrative": update.narrative,
        "evidence_links": update.evidence_links,
        "version": update.version,
    }
    for indicator in indicators:
        initial[f"indicator_{indicator.pk}"] = (update.indicator_values or {}).get(
            str(indicator.pk)
        )
    form = ProgressUpdateForm(request.POST or None, initial=initial, indicators=indicators)
    file_form = EvidenceFileForm(request.POST or None, request.FILES or None)
    conflict = None
    if request.method == "POST" and form.is_valid() and file_form.is_valid():
        try:
            services.save_update(
                update,
                form.update_data(),
                acting_user=request.user,
                expected_version=form.cleaned_data["version"],
                submit="submit" in request.POST,
            )
        except services.ConflictError as error:
            conflict = error.current
        else:
            upload = file_form.cleaned_data.get("file")
            if upload is not None:
                services.attach_evidence(update, upload, acting_user=request.user)
            messages.success(request, _("Your update was saved."))
            return redirect("plans:round", slug=plan.slug, round_id=rnd.pk)
    context = {
        "plan": plan,
        "round": rnd,
        "update": update,
        "form": form,
        "file_form": file_form,
        "can_edit": can_edit,
        "conflict": conflict,
        "can_review": access.can_review_update(request.user, update),
        "review_form": ReviewForm(),
    }
    return render(request, "plans/update_edit.html", context, status=409 if conflict else 200)


@login_required
@require_POST
def update_review(request, slug, round_id, code):
    plan = access.get_plan_for_user(request.user, slug)
    rnd = access.get_round_for_user(request.user, plan, round_id)
    update = access.get_update_for_user(request.user, rnd, code)
    access.require(access.can_review_update(request.user, update))
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("plans:update", slug=plan.slug, round_id=rnd.pk, code=code)
    if form.cleaned_data["decision"] == "publish":
        services.publish_update(update, acting_user=request.user)
        messages.success(request, _("The update is published."))
    else:
        services.request_changes(
            update, acting_user=request.user, comment=form.cleaned_data["comment"]
        )
        messages.success(request, _("The contact point was asked for changes."))
    return redirect("plans:round", slug=plan.slug, round_id=rnd.pk)


@login_required
def evaluation(request, slug, round_id):
    plan = access.get_plan_for_user(request.user, slug)
    rnd = access.get_round_for_user(request.user, plan, round_id)
    can_edit = access.can_coordinate_plan(request.user, plan)
    if request.method == "POST":
        access.require(can_edit)
    measures = plan.items.filter(kind=ItemKind.MEASURE).order_by("position")
    entries = {e.item_id: e for e in rnd.evaluations.all()}
    form = EvaluationForm(request.POST or None, measures=measures, entries=entries)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_evaluation(rnd, form.entries(), acting_user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The evaluation is saved."))
            return redirect("plans:evaluation", slug=plan.slug, round_id=rnd.pk)
    updates = {u.item_id: u for u in rnd.updates.all()}
    return render(
        request,
        "plans/evaluation.html",
        {
            "plan": plan,
            "round": rnd,
            "form": form,
            "can_edit": can_edit,
            "updates": updates,
            "entries": entries,
        },
    )


@login_required
def evaluation_export(request, slug, round_id, fmt):
    plan = access.get_plan_for_user(request.user, slug)
    rnd = access.get_round_for_user(request.user, plan, round_id)
    if fmt == "pdf":
        body, content_type = reports.evaluation_pdf(rnd), "application/pdf"
    elif fmt == "xlsx":
        body = reports.evaluation_xlsx(rnd)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    record(
        "round.evaluation_exported", actor=request.user, target=rnd, changes={"format": [None, fmt]}
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="evaluation-{rnd.pk}.{fmt}"'
    return response


@login_required
def plan_import(request, slug):
    plan = access.get_plan_for_user(request.user, slug)
    access.require(access.can_coordinate_plan(request.user, plan))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = services.start_import(
            plan,
            form.cleaned_data["file"],
            acting_user=request.user,
            language=request.LANGUAGE_CODE,
        )
        return redirect("plans:import_status", slug=plan.slug, import_id=job.pk)
    return render(request, "plans/import.html", {"plan": plan, "form": form})


@login_required
def import_status(request, slug, import_id):
    plan = access.get_plan_for_user(request.user, slug)
    access.require(access.can_coordinate_plan(request.user, plan))
    job = plan.imports.filter(pk=import_id).first()
    if job is None:
        raise Http404
    template = (
        "plans/_import_status.html"
        if request.headers.get("HX-Request")
        else "plans/import_status.html"
    )
    return render(request, template, {"plan": plan, "job": job})


@login_required
def plan_create(request):
    access.require(access.can_create_plan(request.user))
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan = services.create_plan(acting_user=request.user, **form.plan_data())
        messages.success(request, _("The plan is created as a draft."))
        return redirect("plans:detail", slug=plan.slug)
    return render(request, "plans/plan_form.html", {"form": form, "plan": None})


@login_required
def plan_edit(request, slug):
    plan = access.get_plan_for_user(request.user, slug)
    access.require(access.can_coordinate_plan(request.user, plan))
    initial = {
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        **PlanForm.initial_for("title", plan.title),
        **PlanForm.initial_for("summary", plan.summary),
    }
    form = PlanForm(request.POST or None, initial=initial, plan=plan)
    status_form = PlanStatusForm(
        request.POST if "status" in request.POST else None, initial={"status": plan.status}
    )
    if request.method == "POST" and "status" in request.POST:
        if status_form.is_valid():
            services.set_plan_status(
                plan, status_form.cleaned_data["status"], acting_user=request.user
            )
            messages.success(request, _("The status of the plan is changed."))
            return redirect("plans:detail", slug=plan.slug)
    elif request.method == "POST" and form.is_valid():
        services.update_plan(plan, form.plan_data(), acting_user=request.user)
        messages.success(request, _("The plan is saved."))
        return redirect("plans:detail", slug=plan.slug)
    return render(
        request, "plans/plan_form.html", {"form": form, "status_form": status_form, "plan": plan}
    )


@login_required
def measure_edit(request, slug, code):
    plan = access.get_plan_for_user(request.user, slug)
    item = access.get_measure_for_user(request.user, plan, code)
    access.require(access.can_coordinate_plan(request.user, plan) and item.is_measure)
    initial = {
        "measure_type": item.measure_type,
        "version": item.version,
        "reporting_organisation": (
            item.reporting_organisation.key if item.reporting_organisation else None
        ),
        **MeasureForm.initial_for("title", item.title),
        **MeasureForm.initial_for("summary", item.summary),
    }
    form = MeasureForm(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_measure(
                item,
                form.measure_data(),
                acting_user=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except services.ConflictError as error:
            conflict = error.current
        else:
            messages.success(request, _("The measure is saved."))
            return redirect("plans:measure", slug=plan.slug, code=item.code)
    return render(
        request,
        "plans/measure_form.html",
        {"form": form, "plan": plan, "item": item, "conflict": conflict},
        status=409 if conflict else 200,
    )


@login_required
def my_work(request):
    """What the user's role asks of them now: updates to send, updates to review."""
    related = ("item", "round", "round__plan")
    return render(
        request,
        "plans/my_work.html",
        {
            "to_report": access.updates_to_report(request.user)
            .select_related(*related)
            .order_by("round__deadline", "item__position")[:200],
            "to_review": access.updates_to_review(request.user)
            .select_related(*related)
            .order_by("submitted_at")[:200],
        },
    )


@login_required
def evidence_download(request, slug, round_id, code, file_id):
    plan = access.get_plan_for_user(request.user, slug)
    rnd = access.get_round_for_user(request.user, plan, round_id)
    update = access.get_update_for_user(request.user, rnd, code)
    evidence = update.files.filter(pk=file_id).first()
    if evidence is None:
        raise Http404
    record(
        "update.evidence_downloaded",
        actor=request.user,
        target=update,
        changes={"file": [None, evidence.name]},
    )
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.name)


@login_required
def indicator_edit(request, slug, code, indicator_id=None):
    plan = access.get_plan_for_user(request.user, slug)
    item = access.get_measure_for_user(request.user, plan, code)
    access.require(access.can_coordinate_plan(request.user, plan) and item.is_measure)
    indicator = None
    if indicator_id is not None:
        indicator = item.indicators.filter(pk=indicator_id).first()
        if indicator is None:
            raise Http404
    initial = {}
    if indicator is not None:
        initial = {
            f: getattr(indicator, f)
            for f in ("unit", "baseline", "baseline_year", "target", "target_year")
        }
        initial.update(IndicatorForm.initial_for("name", indicator.name))
    form = IndicatorForm(request.POST or None, initial=initial)
    if request.method == "POST" and "delete" in request.POST and indicator is not None:
        services.delete_indicator(indicator, acting_user=request.user)
        messages.success(request, _("The indicator is deleted."))
        return redirect("plans:measure", slug=plan.slug, code=item.code)
    if request.method == "POST" and form.is_valid():
        services.save_indicator(
            item, form.indicator_data(), acting_user=request.user, indicator=indicator
        )
        messages.success(request, _("The indicator is saved."))
        return redirect("plans:measure", slug=plan.slug, code=item.code)
    return render(
        request,
        "plans/indicator_form.html",
        {"plan": plan, "item": item, "form": form, "indicator": indicator},
    )


@login_required
def measure_details(request, slug, code):
    """Actors, ministers and budget lines of a measure, edited together."""
    plan = access.get_plan_for_user(request.user, slug)
    item = access.get_measure_for_user(request.user, plan, code)
    access.require(access.can_coordinate_plan(request.user, plan) and item.is_measure)
    organisations = organisation_choices()
    data = request.POST if request.method == "POST" else None
    form = MeasureDetailsForm(
        data,
        initial={
            "version": item.version,
            "ministers": list(item.measureminister_set.values_list("minister__key", flat=True)),
        },
    )
    actors = ActorFormSet(
        data,
        prefix="actors",
        form_kwargs={"organisations": organisations},
        initial=[
            {"organisation": key, "role": role}
            for key, role in item.actors.values_list("organisation__key", "role")
        ],
    )
    lines = BudgetLineFormSet(
        data, prefix="budget", initial=list(item.budget_lines.values(*BUDGET_LINE_FIELDS))
    )
    conflict = None
    if data is not None and form.is_valid() and actors.is_valid() and lines.is_valid():
        try:
            services.set_measure_details(
                item,
                actors=[
                    {"organisation": f.cleaned_data["organisation"], "role": f.cleaned_data["role"]}
                    for f in actors.forms
                    if f.cleaned_data and not f.cleaned_data.get("DELETE")
                ],
                minister_keys=form.cleaned_data["ministers"],
                budget_lines=[
                    f.line()
                    for f in lines.forms
                    if f.cleaned_data and not f.cleaned_data.get("DELETE")
                ],
                acting_user=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except services.ConflictError as error:
            conflict = error.current
        except ValidationError as error:
            form.add_error(None, [m for msgs in error.message_dict.values() for m in msgs])
        else:
            messages.success(request, _("The measure is saved."))
            return redirect("plans:measure", slug=plan.slug, code=item.code)
    return render(
        request,
        "plans/measure_details.html",
        {
            "plan": plan,
            "item": item,
            "form": form,
            "actors": actors,
            "lines": lines,
            "conflict": conflict,
        },
        status=409 if conflict else 200,
    )
