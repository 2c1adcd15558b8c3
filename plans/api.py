"""API of the action-plan monitor: the same access functions and services as the HTML views."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.datastructures import MultiValueDict
from ninja import Field, File, FilterSchema, Query, Router, Schema, Status, UploadedFile
from ninja.decorators import decorate_view
from ninja.pagination import CursorPagination, paginate

from core import i18n
from core.api import AUTHENTICATED, PUBLIC, Translations, require_write
from core.forms import raise_form_errors
from plans import access, services, tree
from plans import cache as plans_cache
from plans.forms import (
    ImportForm,
    IndicatorForm,
    MeasureForm,
    OpenRoundForm,
    PlanForm,
    ProgressUpdateForm,
    ReviewForm,
)
from plans.models import (
    ItemKind,
    MeasureActor,
    MeasureMinister,
    PlanItem,
    ReportingRound,
)

router = Router(tags=["plans"])


class PlanOut(Schema):
    slug: str
    title: str
    summary: str
    owner: str = Field(..., description="Key of the owner organisation")
    period_start: int
    period_end: int
    status: str
    translations: dict[str, Translations]

    @staticmethod
    def resolve_title(obj):
        return i18n.pick(obj.title)

    @staticmethod
    def resolve_summary(obj):
        return i18n.pick(obj.summary)

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.key

    @staticmethod
    def resolve_translations(obj):
        return {"title": obj.title, "summary": obj.summary}


class ItemOut(Schema):
    id: int
    kind: str
    code: str
    parent: str | None = Field(None, description="Code of the parent item")
    title: str
    progress: float | None = Field(None, description="Rolled-up progress in % (average)")


class PlanDetailOut(PlanOut):
    progress: float | None
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj):
        return obj.item_rows


class ActorOut(Schema):
    organisation: str
    name: str
    abbreviation: str
    role: str
    as_written: str


class MinisterOut(Schema):
    key: str
    title: str


class BudgetLineOut(Schema):
    mode: str
    amount: Decimal | None
    currency: str
    periodicity: str
    period_start: int | None
    period_end: int | None
    source: str
    fte: Decimal | None
    label: str
    original_text: str


class IndicatorValueOut(Schema):
    period: str
    value: Decimal


class IndicatorOut(Schema):
    id: int
    name: str
    unit: str
    baseline: Decimal | None
    baseline_year: int | None
    target: Decimal | None
    target_year: int | None
    values: list[IndicatorValueOut]


class MeasureOut(Schema):
    """A measure; the resolvers expect the prefetches of _measure_queryset."""

    id: int
    plan: str
    code: str
    type: str
    parent: str | None
    title: str
    summary: str
    status: str
    progress: int
    reporting_organisation: str | None
    actors: list[ActorOut]
    ministers: list[MinisterOut]
    budget_text: str
    budget_lines: list[BudgetLineOut]
    indicators: list[IndicatorOut]
    translations: dict[str, Translations]

    @staticmethod
    def resolve_plan(obj):
        return obj.plan.slug

    @staticmethod
    def resolve_type(obj):
        return obj.measure_type

    @staticmethod
    def resolve_parent(obj):
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_title(obj):
        return i18n.pick(obj.title)

    @staticmethod
    def resolve_summary(obj):
        return i18n.pick(obj.summary)

    @staticmethod
    def resolve_status(obj):
        return obj.current_status

    @staticmethod
    def resolve_progress(obj):
        return obj.current_progress

    @staticmethod
    def resolve_reporting_organisation(obj):
        return obj.reporting_organisation.key if obj.reporting_organisation_id else None

    @staticmethod
    def resolve_actors(obj):
        return [
            {
                "organisation": a.organisation.key,
                "name": a.organisation.display_name,
                "abbreviation": a.organisation.abbreviation,
                "role": a.role,
                "as_written": a.as_written,
            }
            for a in obj.actors.all()
        ]

    @staticmethod
    def resolve_ministers(obj):
        return [
            {"key": mm.minister.key, "title": str(mm.minister)}
            for mm in obj.measureminister_set.all()
        ]

    @staticmethod
    def resolve_indicators(obj):
        return [_indicator_out(i) for i in obj.indicators.all()]

    @staticmethod
    def resolve_translations(obj):
        return {"title": obj.title, "summary": obj.summary}


def _indicator_out(indicator) -> dict:
    return {
        "id": indicator.pk,
        "name": i18n.pick(indicator.name),
        "unit": indicator.unit,
        "baseline": indicator.baseline,
        "baseline_year": indicator.baseline_year,
        "target": indicator.target,
        "target_year": indicator.target_year,
        "values": list(indicator.values.all()),
    }


def _measure_queryset(qs):
    return qs.select_related("plan", "parent", "reporting_organisation").prefetch_related(
        Prefetch("actors", queryset=MeasureActor.objects.select_related("organisation")),
        Prefetch(
            "measureminister_set", queryset=MeasureMinister.objects.select_related("minister")
        ),
        "budget_lines",
        "indicators__values",
    )


@router.get("/plans", response=list[PlanOut], auth=PUBLIC, summary="List visible plans")
def list_plans(request):
    return list(access.visible_plans(request.auth).select_related("owner"))


@router.get(
    "/plans/{slug}",
    response=PlanDetailOut,
    auth=PUBLIC,
    summary="A plan with its tree and rolled-up progress",
)
def get_plan(request, slug: str):
    plan = access.get_plan_for_user(request.auth, slug)
    items = list(plan.items.select_related("parent").order_by("position"))
    root = tree.build(items)
    progress = {row.item.pk: row.node.progress for row in tree.walk(root)}
    plan.progress = root.progress  # type: ignore[attr-defined]
    plan.item_rows = [  # type: ignore[attr-defined]
        {
            "id": i.pk,
            "kind": i.kind,
            "code": i.code,
            "parent": i.parent.code if i.parent else None,
            "title": i18n.pick(i.title),
            "progress": progress.get(i.pk),
        }
        for i in items
    ]
    return plan


class MeasureFilter(FilterSchema):
    plan: str | None = Field(None, description="Slug of the plan")
    type: str | None = Field(None, description="B, V or N")
    status: str | None = None
    actor: str | None = Field(None, description="Key of an actor organisation")
    minister: str | None = Field(None, description="Key of a minister")
    q: str | None = Field(None, description="Text search in code, titles and summaries")


@router.get(
    "/measures", response=list[MeasureOut], auth=PUBLIC, summary="Measures of the visible plans"
)
@decorate_view(plans_cache.public_response)
@paginate(CursorPagination, ordering=("id",))
def list_measures(request, filters: Query[MeasureFilter]):
    plans = access.visible_plans(request.auth)
    measures = PlanItem.objects.filter(kind=ItemKind.MEASURE, plan__in=plans)
    if filters.plan:
        measures = measures.filter(plan__slug=filters.plan)
    if filters.type:
        measures = measures.filter(measure_type=filters.type)
    if filters.status:
        measures = measures.filter(current_status=filters.status)
    if filters.actor:
        measures = measures.filter(actors__organisation__key=filters.actor)
    if filters.minister:
        measures = measures.filter(ministers__key=filters.minister)
    if filters.q:
        measures = measures.search(filters.q)
    # No DISTINCT needed: an organisation or a minister appears once per measure at most
    # (unique constraints), so the joins cannot repeat a measure.
    return _measure_queryset(measures.defer("search_text"))


@router.get("/measures/{measure_id}", response=MeasureOut, auth=PUBLIC, summary="A measure")
@decorate_view(plans_cache.public_response)
def get_measure(request, measure_id: int):
    plans = access.visible_plans(request.auth)
    item = get_object_or_404(
        _measure_queryset(PlanItem.objects.filter(kind=ItemKind.MEASURE, plan__in=plans)),
        pk=measure_id,
    )
    return item


class RoundIn(Schema):
    name: str
    period: str
    deadline: datetime.date


class RoundOut(Schema):
    id: int
    plan: str
    name: str
    period: str
    deadline: datetime.date
    status: str

    @staticmethod
    def resolve_plan(obj):
        return obj.plan.slug


@router.get(
    "/plans/{slug}/rounds",
    response=list[RoundOut],
    auth=AUTHENTICATED,
    summary="Reporting rounds you take part in",
)
def list_rounds(request, slug: str):
    plan = access.get_plan_for_user(request.auth, slug)
    return list(access.visible_rounds(request.auth, plan).select_related("plan"))


@router.post(
    "/plans/{slug}/rounds",
    response={201: RoundOut},
    auth=AUTHENTICATED,
    summary="Open a reporting round (coordinators)",
)
def open_round(request, slug: str, payload: RoundIn):
    require_write(request)
    plan = access.get_plan_for_user(request.auth, slug)
    access.require(access.can_coordinate_plan(request.auth, plan))
    form = OpenRoundForm(payload.dict())
    raise_form_errors(form)
    return Status(201, services.open_round(plan, acting_user=request.auth, **form.cleaned_data))


class UpdateOut(Schema):
    id: int
    round: int
    measure: str
    state: str
    status: str
    percent: int
    narrative: str
    evidence_links: list[str]
    indicator_values: dict[str, str]
    review_comment: str
    version: int

    @staticmethod
    def resolve_round(obj):
        return obj.round_id

    @staticmethod
    def resolve_measure(obj):
        return obj.item.code

    @staticmethod
    def resolve_evidence_links(obj):
        return obj.evidence_link_list()


class UpdateIn(Schema):
    status: str
    percent: int
    narrative: str = ""
    evidence_links: list[str] = []
    indicator_values: dict[str, Decimal] = {}
    version: int = Field(..., description="The version you read; 409 if it changed since")
    submit: bool = Field(False, description="Submit for review after saving")


class ReviewIn(Schema):
    decision: str = Field(..., description="publish or changes")
    comment: str = ""


def _round(request, round_id: int) -> ReportingRound:
    rnd = get_object_or_404(ReportingRound.objects.select_related("plan"), pk=round_id)
    plan = access.get_plan_for_user(request.auth, rnd.plan.slug)
    return access.get_round_for_user(request.auth, plan, round_id)


@router.get(
    "/rounds/{round_id}/updates",
    response=list[UpdateOut],
    auth=AUTHENTICATED,
    summary="Updates of a round you may see",
)
def list_updates(request, round_id: int):
    return list(access.visible_updates(request.auth, _round(request, round_id)))


@router.get("/rounds/{round_id}/updates/{code}", response=UpdateOut, auth=AUTHENTICATED)
def get_update(request, round_id: int, code: str):
    return access.get_update_for_user(request.auth, _round(request, round_id), code)


@router.put(
    "/rounds/{round_id}/updates/{code}",
    response=UpdateOut,
    auth=AUTHENTICATED,
    summary="Save (and optionally submit) a progress update (contact points)",
)
def put_update(request, round_id: int, code: str, payload: UpdateIn):
    require_write(request)
    update = access.get_update_for_user(request.auth, _round(request, round_id), code)
    access.require(access.can_edit_update(request.auth, update))
    indicators = list(update.item.indicators.all())
    data = {
        "status": payload.status,
        "percent": payload.percent,
        "narrative": payload.narrative,
        "evidence_links": "\n".join(payload.evidence_links),
        "version": payload.version,
    }
    for indicator in indicators:
        value = payload.indicator_values.get(str(indicator.pk))
        data[f"indicator_{indicator.pk}"] = "" if value is None else str(value)
    form = ProgressUpdateForm(data, indicators=indicators)
    raise_form_errors(form)
    return services.save_update(
        update,
        form.update_data(),
        acting_user=request.auth,
        expected_version=payload.version,
        submit=payload.submit,
    )


@router.post(
    "/rounds/{round_id}/updates/{code}/review",
    response=UpdateOut,
    auth=AUTHENTICATED,
    summary="Publish an update or ask for changes (coordinators)",
)
def review_update(request, round_id: int, code: str, payload: ReviewIn):
    require_write(request)
    update = access.get_update_for_user(request.auth, _round(request, round_id), code)
    access.require(access.can_review_update(request.auth, update))
    form = ReviewForm(payload.dict())
    raise_form_errors(form)
    if form.cleaned_data["decision"] == "publish":
        return services.publish_update(update, acting_user=request.auth)
    return services.request_changes(
        update, acting_user=request.auth, comment=form.cleaned_data["comment"]
    )


class ImportOut(Schema):
    id: int
    filename: str
    status: str
    total_rows: int
    checked_rows: int
    percent: int
    errors: list[dict]
    summary: dict


@router.post(
    "/plans/{slug}/imports",
    response={202: ImportOut},
    auth=AUTHENTICATED,
    summary="Import a spreadsheet into a plan (coordinators); all rows or none",
)
def create_import(request, slug: str, file: File[UploadedFile]):
    require_write(request)
    plan = access.get_plan_for_user(request.auth, slug)
    access.require(access.can_coordinate_plan(request.auth, plan))
    form = ImportForm(files=MultiValueDict({"file": [file]}))
    raise_form_errors(form)
    job = services.start_import(
        plan, form.cleaned_data["file"], acting_user=request.auth, language=request.LANGUAGE_CODE
    )
    return Status(202, job)


@router.get(
    "/plans/{slug}/imports/{import_id}",
    response=ImportOut,
    auth=AUTHENTICATED,
    summary="Progress and result of an import",
)
def get_import(request, slug: str, import_id: int):
    plan = access.get_plan_for_user(request.auth, slug)
    access.require(access.can_coordinate_plan(request.auth, plan))
    return get_object_or_404(plan.imports.all(), pk=import_id)


class PlanIn(Schema):
    slug: str
    title: Translations
    summary: Translations = Translations()
    period_start: int
    period_end: int


class PlanPatch(Schema):
    title: Translations | None = None
    summary: Translations | None = None
    period_start: int | None = None
    period_end: int | None = None
    status: str | None = Field(None, description="draft, adopted or closed")


def _plan_form_data(title: dict, summary: dict, start: int, end: int) -> dict:
    data: dict = {"period_start": start, "period_end": end}
    for code, value in title.items():
        data[f"title_{code}"] = value
    for code, value in summary.items():
        data[f"summary_{code}"] = value
    return data


@router.post(
    "/plans",
    response={201: PlanOut},
    auth=AUTHENTICATED,
    summary="Create a draft plan for your organisation (coordinators)",
)
def create_plan(request, payload: PlanIn):
    require_write(request)
    access.require(access.can_create_plan(request.auth))
    form = PlanForm(
        {
            "slug": payload.slug,
            **_plan_form_data(
                payload.title.dict(),
                payload.summary.dict(),
                payload.period_start,
                payload.period_end,
            ),
        }
    )
    raise_form_errors(form)
    return Status(201, services.create_plan(acting_user=request.auth, **form.plan_data()))


@router.patch(
    "/plans/{slug}",
    response=PlanOut,
    auth=AUTHENTICATED,
    summary="Change a plan's texts, period or status (coordinators)",
)
def patch_plan(request, slug: str, payload: PlanPatch):
    require_write(request)
    plan = access.get_plan_for_user(request.auth, slug)
    access.require(access.can_coordinate_plan(request.auth, plan))
    with transaction.atomic():
        form = PlanForm(
            _plan_form_data(
                payload.title.dict() if payload.title else plan.title,
                payload.summary.dict() if payload.summary else plan.summary,
                payload.period_start or plan.period_start,
                payload.period_end or plan.period_end,
            ),
            plan=plan,
        )
        raise_form_errors(form)
        services.update_plan(plan, form.plan_data(), acting_user=request.auth)
        if payload.status is not None:
            services.set_plan_status(plan, payload.status, acting_user=request.auth)
    return plan


def _coordinated_measure(request, measure_id: int) -> PlanItem:
    """A measure of a visible plan (404 otherwise) that the caller coordinates (403)."""
    plans = access.visible_plans(request.auth)
    item = get_object_or_404(
        PlanItem.objects.filter(kind=ItemKind.MEASURE, plan__in=plans), pk=measure_id
    )
    access.require(access.can_coordinate_plan(request.auth, item.plan))
    return item


class MeasurePatch(Schema):
    version: int = Field(..., description="The version you read; 409 if it changed since")
    title: Translations | None = None
    summary: Translations | None = None
    type: str | None = Field(None, description="B, V or N")
    reporting_organisation: str | None = Field(None, description="Organisation key")


@router.patch(
    "/measures/{measure_id}",
    response=MeasureOut,
    auth=AUTHENTICATED,
    summary="Change a measure's texts, type or reporting organisation (coordinators)",
)
def patch_measure(request, measure_id: int, payload: MeasurePatch):
    require_write(request)
    item = _coordinated_measure(request, measure_id)
    reporter = item.reporting_organisation.key if item.reporting_organisation else ""
    data = {
        "version": payload.version,
        "measure_type": payload.type or item.measure_type,
        "reporting_organisation": payload.reporting_organisation or reporter,
    }
    for name in ("title", "summary"):
        given = getattr(payload, name)
        for code, value in (given.dict() if given else getattr(item, name)).items():
            data[f"{name}_{code}"] = value
    form = MeasureForm(data)
    raise_form_errors(form)
    services.update_measure(
        item, form.measure_data(), acting_user=request.auth, expected_version=payload.version
    )
    return get_object_or_404(_measure_queryset(PlanItem.objects.all()), pk=item.pk)


class IndicatorIn(Schema):
    name: Translations
    unit: str = ""
    baseline: Decimal | None = None
    baseline_year: int | None = None
    target: Decimal | None = None
    target_year: int | None = None


def _indicator_form(payload: IndicatorIn) -> IndicatorForm:
    data = {f"name_{code}": value for code, value in payload.name.dict().items()}
    for field in ("unit", "baseline", "baseline_year", "target", "target_year"):
        value = getattr(payload, field)
        data[field] = "" if value is None else str(value)
    form = IndicatorForm(data)
    raise_form_errors(form)
    return form


@router.post(
    "/measures/{measure_id}/indicators",
    response={201: IndicatorOut},
    auth=AUTHENTICATED,
    summary="Add an indicator to a measure (coordinators)",
)
def create_indicator(request, measure_id: int, payload: IndicatorIn):
    require_write(request)
    item = _coordinated_measure(request, measure_id)
    indicator = services.save_indicator(
        item, _indicator_form(payload).indicator_data(), acting_user=request.auth
    )
    return Status(201, _indicator_out(indicator))


@router.put(
    "/measures/{measure_id}/indicators/{indicator_id}",
    response=IndicatorOut,
    auth=AUTHENTICATED,
    summary="Change an indicator (coordinators)",
)
def put_indicator(request, measure_id: int, indicator_id: int, payload: IndicatorIn):
    require_write(request)
    item = _coordinated_measure(request, measure_id)
    indicator = get_object_or_404(item.indicators.all(), pk=indicator_id)
    services.save_indicator(
        item,
        _indicator_form(payload).indicator_data(),
        acting_user=request.auth,
        indicator=indicator,
    )
    indicator.refresh_from_db()
    return _indicator_out(indicator)


@router.delete(
    "/measures/{measure_id}/indicators/{indicator_id}",
    response={204: None},
    auth=AUTHENTICATED,
    summary="Delete an indicator (coordinators)",
)
def delete_indicator(request, measure_id: int, indicator_id: int):
    require_write(request)
    item = _coordinated_measure(request, measure_id)
    services.delete_indicator(
        get_object_or_404(item.indicators.all(), pk=indicator_id), acting_user=request.auth
    )
    return Status(204, None)


class ActorIn(Schema):
    organisation: str = Field(..., description="Organisation key")
    role: str = Field("partner", description="coordination, partner, funder or beneficiary")


class BudgetLineIn(Schema):
    mode: str = "amount"
    amount: Decimal | None = None
    currency: str = "EUR"
    periodicity: str = "one_off"
    period_start: int | None = None
    period_end: int | None = None
    source: str = ""
    fte: Decimal | None = None
    label: str = ""
    original_text: str = ""


class MeasureDetailsIn(Schema):
    version: int = Field(..., description="The version you read; 409 if it changed since")
    actors: list[ActorIn]
    ministers: list[str] = Field(..., description="Minister keys")
    budget_lines: list[BudgetLineIn]


@router.put(
    "/measures/{measure_id}/details",
    response=MeasureOut,
    auth=AUTHENTICATED,
    summary="Replace a measure's actors, ministers and budget lines (coordinators)",
)
def put_measure_details(request, measure_id: int, payload: MeasureDetailsIn):
    require_write(request)
    item = _coordinated_measure(request, measure_id)
    services.set_measure_details(
        item,
        actors=[a.dict() for a in payload.actors],
        minister_keys=payload.ministers,
        budget_lines=[
            {
                **line.dict(),
                "amount": None if line.amount is None else str(line.amount),
                "fte": None if line.fte is None else str(line.fte),
            }
            for line in payload.budget_lines
        ],
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return get_object_or_404(_measure_queryset(PlanItem.objects.all()), pk=item.pk)
