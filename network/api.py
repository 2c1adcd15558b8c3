"""The directory in the API: organisations and services, read by everyone (public
entries) and written by each organisation's editors, with the same forms and services as
the pages; and the HSDS 3.0 open-data datasets."""

import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import CursorPagination, paginate

from core import i18n
from core.api import AUTHENTICATED, PUBLIC, Translations, require_write
from core.forms import raise_form_errors
from network import access, hsds, imports, search, services
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
from network.models import PostKind, Service, SynergyArea

router = Router(tags=["directory"])


class Freshness(Schema):
    verified_at: datetime.datetime | None
    stale: bool


class VerifiableOut(Schema):
    freshness: Freshness

    @staticmethod
    def resolve_freshness(obj):
        return {"verified_at": obj.verified_at, "stale": obj.is_stale}


class OrganisationOut(VerifiableOut):
    key: str
    name: str
    abbreviation: str
    translations: dict[str, Translations]
    sector: str
    level: str
    parent: str | None = Field(None, description="Key of the parent organisation")
    kbo_number: str
    street: str
    postcode: str
    municipality: str
    website: str
    email: str
    phone: str
    languages: list[str]
    is_public: bool

    @staticmethod
    def resolve_name(obj):
        return obj.display_name

    @staticmethod
    def resolve_abbreviation(obj):
        return obj.short_name

    @staticmethod
    def resolve_translations(obj):
        return {
            "name": obj.name,
            "abbreviation": obj.abbreviations,
            "description": obj.description,
        }

    @staticmethod
    def resolve_parent(obj, context):
        parent = access.visible_parent(context["request"].auth, obj)
        return parent.key if parent else None


class SlotSchema(Schema):
    weekday: str = Field(..., description="MO, TU, WE, TH, FR, SA or SU")
    opens_at: datetime.time
    closes_at: datetime.time


class ServiceOut(VerifiableOut):
    id: UUID
    organisation: str = Field(..., description="Key of the organisation")
    name: str
    translations: dict[str, Translations]
    status: str
    target_groups: list[str]
    minimum_age: int | None
    maximum_age: int | None
    areas: list[str]
    channels: list[str]
    languages: list[str]
    intake: str
    waiting_weeks: int | None
    free_of_charge: bool
    contact_name: str
    email: str
    phone: str
    website: str
    street: str
    postcode: str
    municipality: str
    is_public: bool
    opening_hours: list[SlotSchema]

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.key

    @staticmethod
    def resolve_name(obj):
        return i18n.pick(obj.name)

    @staticmethod
    def resolve_translations(obj):
        return {name: getattr(obj, name) for name in ServiceForm.TRANSLATED}

    @staticmethod
    def resolve_opening_hours(obj):
        return list(obj.slots.all())


class DirectoryFilter(Schema):
    q: str | None = Field(None, description="Text search")
    sector: str | None = None
    level: str | None = None
    municipality: str | None = None
    language: str | None = Field(None, description="Language served, e.g. nl, fr, ar")
    target: str | None = Field(None, description="Target group (services only)")


def _filter_form(filters: DirectoryFilter) -> DirectoryFilterForm:
    form = DirectoryFilterForm({k: v for k, v in filters.dict().items() if v is not None})
    raise_form_errors(form)
    return form


@router.get(
    "/organisations",
    response=list[OrganisationOut],
    auth=PUBLIC,
    summary="Organisations of the directory",
)
@paginate(CursorPagination, ordering=("id",))
def list_organisations(request, filters: Query[DirectoryFilter]):
    found = search.directory(request.auth, _filter_form(filters), "organisations")
    return found.select_related("parent").order_by()


@router.get(
    "/organisations/{key}", response=OrganisationOut, auth=PUBLIC, summary="An organisation"
)
def get_organisation(request, key: str):
    return access.get_organisation_for_user(request.auth, key)


class OrganisationPatch(Schema):
    name: Translations | None = None
    abbreviations: Translations | None = None
    description: Translations | None = None
    sector: str | None = None
    level: str | None = None
    kbo_number: str | None = None
    street: str | None = None
    postcode: str | None = None
    municipality: str | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    languages: list[str] | None = None
    is_public: bool | None = None


def _form_data(form_class, initial: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The form's fields from the stored values, overridden by the patch's given ones."""
    data = dict(initial)
    for name, value in patch.items():
        if value is None:
            continue
        if isinstance(value, dict):  # per-language texts: only the languages given change
            data.update({f"{name}_{code}": text for code, text in value.items()})
        elif name == "areas":
            data[name] = ", ".join(value)
        else:
            data[name] = value
    return data


@router.patch(
    "/organisations/{key}",
    response=OrganisationOut,
    auth=AUTHENTICATED,
    summary="Change an organisation's entry (its editors)",
)
def patch_organisation(request, key: str, payload: OrganisationPatch):
    require_write(request)
    org = access.get_organisation_for_user(request.auth, key)
    access.require(access.can_edit_organisation(request.auth, org))
    patch = payload.dict(exclude_unset=True)
    data = _form_data(OrganisationForm, OrganisationForm.initial_from(org), patch)
    form = OrganisationForm(data)
    raise_form_errors(form)
    return services.update_organisation(org, form.organisation_data(), acting_user=request.auth)


@router.post(
    "/organisations/{key}/verify",
    response=OrganisationOut,
    auth=AUTHENTICATED,
    summary="Confirm an organisation's entry is up to date (its editors)",
)
def verify_organisation(request, key: str):
    require_write(request)
    org = access.get_organisation_for_user(request.auth, key)
    access.require(access.can_edit_organisation(request.auth, org))
    return services.verify_organisation(org, acting_user=request.auth)


@router.get("/services", response=list[ServiceOut], auth=PUBLIC, summary="Services")
@paginate(CursorPagination, ordering=("id",))
def list_services(request, filters: Query[DirectoryFilter]):
    found = search.directory(request.auth, _filter_form(filters), "services")
    return found.prefetch_related("slots").order_by()


def _service(request, service_id: UUID) -> Service:
    return access.get_service_for_user(request.auth, service_id)


@router.get("/services/{service_id}", response=ServiceOut, auth=PUBLIC, summary="A service")
def get_service(request, service_id: UUID):
    return _service(request, service_id)


class ServiceIn(Schema):
    name: Translations | None = None
    description: Translations | None = None
    conditions: Translations | None = None
    information_needed: Translations | None = None
    hours_note: Translations | None = None
    fees: Translations | None = None
    status: str | None = None
    target_groups: list[str] | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    areas: list[str] | None = None
    channels: list[str] | None = None
    languages: list[str] | None = None
    intake: str | None = None
    waiting_weeks: int | None = None
    free_of_charge: bool | None = None
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    street: str | None = None
    postcode: str | None = None
    municipality: str | None = None
    is_public: bool | None = None
    opening_hours: list[SlotSchema] | None = None


def _validated_service(initial: dict, payload: ServiceIn, slots: list[dict]):
    patch = payload.dict(exclude={"opening_hours"}, exclude_unset=True)
    form = ServiceForm(_form_data(ServiceForm, initial, patch))
    raise_form_errors(form)
    rows = {"slots-TOTAL_FORMS": len(slots), "slots-INITIAL_FORMS": 0}
    for index, slot in enumerate(slots):
        for name, value in slot.items():
            rows[f"slots-{index}-{name}"] = value
    formset = SlotFormSet(rows, prefix="slots")
    if not formset.is_valid():
        messages = [
            str(e) for row in formset.forms for errors in row.errors.values() for e in errors
        ]
        raise ValidationError({"opening_hours": messages or formset.non_form_errors()})
    return form.service_data(), slots_from(formset)


SERVICE_DEFAULTS = {"status": "active", "intake": "open", "free_of_charge": True, "is_public": True}


@router.post(
    "/organisations/{key}/services",
    response={201: ServiceOut},
    auth=AUTHENTICATED,
    summary="Add a service (the organisation's editors)",
)
def create_service(request, key: str, payload: ServiceIn):
    require_write(request)
    org = access.get_organisation_for_user(request.auth, key)
    access.require(access.can_edit_organisation(request.auth, org))
    slots = [s.dict() for s in payload.opening_hours or []]
    data, hours = _validated_service(SERVICE_DEFAULTS, payload, slots)
    service = services.create_service(org, data, hours, acting_user=request.auth)
    return Status(201, service)


@router.patch(
    "/services/{service_id}",
    response=ServiceOut,
    auth=AUTHENTICATED,
    summary="Change a service (its organisation's editors)",
)
def patch_service(request, service_id: UUID, payload: ServiceIn):
    require_write(request)
    service = _service(request, service_id)
    access.require(access.can_edit_service(request.auth, service))
    if payload.opening_hours is None:
        slots = [dict(s) for s in service.slots.values("weekday", "opens_at", "closes_at")]
    else:
        slots = [s.dict() for s in payload.opening_hours]
    data, hours = _validated_service(ServiceForm.initial_from(service), payload, slots)
    return services.update_service(service, data, hours, acting_user=request.auth)


@router.post(
    "/services/{service_id}/verify",
    response=ServiceOut,
    auth=AUTHENTICATED,
    summary="Confirm a service's entry is up to date (its organisation's editors)",
)
def verify_service(request, service_id: UUID):
    require_write(request)
    service = _service(request, service_id)
    access.require(access.can_edit_service(request.auth, service))
    return services.verify_service(service, acting_user=request.auth)


@router.get(
    "/directory/hsds/{language}",
    response=dict[str, Any],
    auth=PUBLIC,
    summary="The public directory as an Open Referral HSDS 3.0 dataset in one language",
)
def hsds_dataset(request, language: str):
    if language not in {code for code, _n in settings.LANGUAGES}:
        raise Http404
    return hsds.build_dataset(language)


class DirectoryImportOut(Schema):
    created: int
    updated: int
    unchanged: int


class DirectoryImportErrors(Schema):
    detail: str
    errors: list[str] = Field(
        default_factory=list, description='"Row 7, column level: …" (the header is row 1)'
    )


@router.post(
    "/directory/imports",
    response={200: DirectoryImportOut, 400: DirectoryImportErrors},
    auth=AUTHENTICATED,
    summary="Import organisations or services from a spreadsheet (network coordinators); "
    "all rows or none",
)
def import_directory(request, kind: Form[str], file: File[UploadedFile]):
    """kind: organisations or services; file: .csv (UTF-8) or .xlsx, with the columns of
    the templates at /directory/import/."""
    require_write(request)
    access.require(access.can_coordinate_network(request.auth))
    form = DirectoryImportForm({"kind": kind}, MultiValueDict({"file": [file]}))
    if not form.is_valid():
        messages = [str(m) for errors in form.errors.values() for m in errors]
        return Status(400, {"detail": _("The data is not valid."), "errors": messages})
    upload = form.cleaned_data["file"]
    result = imports.import_directory(kind, upload.name, upload.read(), acting_user=request.auth)
    if result.errors:
        return Status(400, {"detail": _("Nothing was imported"), "errors": result.errors})
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


# Posts, the people holding them and coverage --------------------------------------------


class HolderOut(Schema):
    name: str
    email: str | None = Field(None, description="Shown to signed-in professionals only")

    @staticmethod
    def resolve_name(obj):
        return obj.full_name

    @staticmethod
    def resolve_email(obj, context):
        return obj.email if context["request"].auth.is_authenticated else None


class TenureOut(Schema):
    name: str
    starts_on: datetime.date
    ends_on: datetime.date | None

    @staticmethod
    def resolve_name(obj):
        return obj.professional.full_name


class PostOut(VerifiableOut):
    id: UUID
    organisation: str = Field(..., description="Key of the organisation")
    kind: str = Field(..., description="Key of the kind of post")
    title: str
    translations: dict[str, Translations]
    capacity: str
    area: str
    email: str
    phone: str
    legal_role: str
    clearance: str | None = Field(None, description="Only for those who manage the post")
    clearance_expires_on: datetime.date | None = None
    is_public: bool
    holder: HolderOut | None

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.key

    @staticmethod
    def resolve_kind(obj):
        return obj.kind.key

    @staticmethod
    def resolve_title(obj):
        return obj.display_title

    @staticmethod
    def resolve_translations(obj):
        return {"title": obj.title}

    @staticmethod
    def resolve_clearance(obj, context):
        return obj.clearance if access.can_see_clearance(context["request"].auth, obj) else None

    @staticmethod
    def resolve_clearance_expires_on(obj, context):
        shown = access.can_see_clearance(context["request"].auth, obj)
        return obj.clearance_expires_on if shown else None


class PostDetailOut(PostOut):
    holders: list[TenureOut] = Field(
        ..., description="Everyone who held the post, newest first (signed-in users only)"
    )

    @staticmethod
    def resolve_holders(obj, context):
        if not context["request"].auth.is_authenticated:
            return []
        return list(obj.tenures.select_related("professional"))


class PostFilter(DirectoryFilter):
    organisation: str | None = Field(None, description="Key of the organisation")
    kind: str | None = Field(None, description="Key of the kind of post")
    vacant: bool | None = Field(None, description="Only vacant (true) or held (false) posts")


@router.get("/posts", response=list[PostOut], auth=PUBLIC, summary="Posts and their holders")
@paginate(CursorPagination, ordering=("id",))
def list_posts(request, filters: Query[PostFilter]):
    base = {k: v for k, v in filters.dict().items() if k in DirectoryFilter.model_fields}
    found = search.directory(request.auth, _filter_form(DirectoryFilter(**base)), "people")
    if filters.organisation:
        found = found.filter(organisation__key=filters.organisation)
    if filters.kind:
        found = found.filter(kind__key=filters.kind)
    if filters.vacant is not None:
        found = found.filter(holder__isnull=filters.vacant)
    return found.order_by()


@router.get("/posts/{post_id}", response=PostDetailOut, auth=PUBLIC, summary="A post")
def get_post(request, post_id: UUID):
    return access.get_post_for_user(request.auth, post_id)


class PostIn(Schema):
    kind: str | None = Field(None, description="Key of the kind of post")
    title: Translations | None = None
    capacity: str | None = None
    area: str | None = None
    email: str | None = None
    phone: str | None = None
    legal_role: str | None = None
    clearance: str | None = None
    clearance_expires_on: datetime.date | None = None
    is_public: bool | None = None


def _validated_post(initial: dict, payload: PostIn) -> dict:
    form = PostForm(_form_data(PostForm, initial, payload.dict(exclude_unset=True)))
    raise_form_errors(form)
    return form.post_data()


@router.post(
    "/organisations/{key}/posts",
    response={201: PostDetailOut},
    auth=AUTHENTICATED,
    summary="Add a post (the organisation's editors, network coordinators)",
)
def create_post(request, key: str, payload: PostIn):
    require_write(request)
    org = access.get_organisation_for_user(request.auth, key)
    access.require(access.can_manage_posts(request.auth, org))
    data = _validated_post({"capacity": "effective"}, payload)
    post = services.create_post(org, data, acting_user=request.auth)
    return Status(201, post)


def _managed_post(request, post_id: UUID):
    require_write(request)
    post = access.get_post_for_user(request.auth, post_id)
    access.require(access.can_manage_posts(request.auth, post.organisation))
    return post


@router.patch(
    "/posts/{post_id}",
    response=PostDetailOut,
    auth=AUTHENTICATED,
    summary="Change a post (the organisation's editors, network coordinators)",
)
def patch_post(request, post_id: UUID, payload: PostIn):
    post = _managed_post(request, post_id)
    data = _validated_post(PostForm.initial_from(post), payload)
    return services.update_post(post, data, acting_user=request.auth)


class AppointIn(Schema):
    email: str
    full_name: str = Field("", description="Needed for someone not in the directory yet")
    phone: str = ""
    starts_on: datetime.date


@router.post(
    "/posts/{post_id}/appoint",
    response=PostDetailOut,
    auth=AUTHENTICATED,
    summary="Appoint someone to a post; the previous holding ends the day before",
)
def appoint_to_post(request, post_id: UUID, payload: AppointIn):
    post = _managed_post(request, post_id)
    form = AppointForm(payload.dict(), post=post)
    raise_form_errors(form)
    services.appoint_person(post, **form.cleaned_data, acting_user=request.auth)
    return access.get_post_for_user(request.auth, post_id)


class VacateIn(Schema):
    ends_on: datetime.date


@router.post(
    "/posts/{post_id}/vacate",
    response=PostDetailOut,
    auth=AUTHENTICATED,
    summary="End the current holding; the post stays, vacant",
)
def vacate_post(request, post_id: UUID, payload: VacateIn):
    post = _managed_post(request, post_id)
    form = VacateForm(payload.dict())
    raise_form_errors(form)
    services.vacate(post, form.cleaned_data["ends_on"], acting_user=request.auth)
    return access.get_post_for_user(request.auth, post_id)


@router.post(
    "/posts/{post_id}/verify",
    response=PostDetailOut,
    auth=AUTHENTICATED,
    summary="Confirm a post's entry is up to date",
)
def verify_post(request, post_id: UUID):
    post = _managed_post(request, post_id)
    return services.verify_post(post, acting_user=request.auth)


class PostKindOut(Schema):
    key: str
    name: str
    category: str
    translations: dict[str, Translations]

    @staticmethod
    def resolve_name(obj):
        return str(obj)

    @staticmethod
    def resolve_translations(obj):
        return {"name": obj.name}


@router.get("/post-kinds", response=list[PostKindOut], auth=PUBLIC, summary="Kinds of post")
def list_post_kinds(request):
    return PostKind.objects.all()


class RuleOut(Schema):
    id: int
    name: str
    translations: dict[str, Translations]
    reference: str
    owner: str = Field(..., description="Key of the organisation that owns the rule")
    scope_level: str
    scope_sector: str
    scope_parent: str | None = Field(None, description="Key of the parent organisation")
    scope_measure: str | None = Field(None, description="plan-slug/code of the measure")
    kind: str
    minimum_total: int
    minimum_effective: int
    minimum_acting: int
    is_active: bool
    evaluated_at: datetime.datetime | None

    @staticmethod
    def resolve_name(obj):
        return str(obj)

    @staticmethod
    def resolve_translations(obj):
        return {"name": obj.name}

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.key

    @staticmethod
    def resolve_scope_parent(obj):
        return obj.scope_parent.key if obj.scope_parent else None

    @staticmethod
    def resolve_scope_measure(obj):
        item = obj.scope_measure
        return f"{item.plan.slug}/{item.code}" if item else None

    @staticmethod
    def resolve_kind(obj):
        return obj.kind.key


RULE_RELATED = ("owner", "kind", "scope_parent", "scope_measure__plan")


@router.get(
    "/coverage/rules",
    response=list[RuleOut],
    auth=AUTHENTICATED,
    summary="Coverage rules (network coordinators)",
)
def list_rules(request):
    return access.visible_rules(request.auth).select_related(*RULE_RELATED)


class RuleIn(Schema):
    name: Translations | None = None
    reference: str | None = None
    scope_level: str | None = None
    scope_sector: str | None = None
    scope_parent: str | None = Field(None, description="Key of the parent organisation")
    scope_plan: str | None = Field(None, description="Slug of the plan of scope_measure")
    scope_measure: str | None = Field(None, description="Code of a measure: its actors")
    kind: str | None = None
    minimum_total: int | None = None
    minimum_effective: int | None = None
    minimum_acting: int | None = None
    is_active: bool | None = None


def _validated_rule(initial: dict, payload: RuleIn) -> dict:
    form = CoverageRuleForm(_form_data(CoverageRuleForm, initial, payload.dict(exclude_unset=True)))
    raise_form_errors(form)
    return form.rule_data()


RULE_DEFAULTS = {"minimum_total": 1, "minimum_effective": 0, "minimum_acting": 0, "is_active": True}


@router.post(
    "/coverage/rules",
    response={201: RuleOut},
    auth=AUTHENTICATED,
    summary="Define a coverage rule; it is checked against the directory at once",
)
def create_rule(request, payload: RuleIn):
    require_write(request)
    access.require(access.can_coordinate_network(request.auth))
    data = _validated_rule(RULE_DEFAULTS, payload)
    rule = services.save_rule(None, data, owner=request.auth.organisation, acting_user=request.auth)
    return Status(201, access.get_rule_for_user(request.auth, rule.pk))


@router.patch(
    "/coverage/rules/{rule_id}",
    response=RuleOut,
    auth=AUTHENTICATED,
    summary="Change a coverage rule (coordinators of the owner organisation)",
)
def patch_rule(request, rule_id: int, payload: RuleIn):
    require_write(request)
    rule = access.get_rule_for_user(request.auth, rule_id)
    access.require(access.can_edit_rule(request.auth, rule))
    data = _validated_rule(CoverageRuleForm.initial_from(rule), payload)
    services.save_rule(rule, data, owner=rule.owner, acting_user=request.auth)
    return access.get_rule_for_user(request.auth, rule_id)


class GapOut(Schema):
    id: int
    rule: int
    organisation: str = Field(..., description="Key of the organisation")
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None
    held_total: int
    held_effective: int
    held_acting: int

    @staticmethod
    def resolve_rule(obj):
        return obj.rule_id

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.key


class GapFilter(Schema):
    state: str | None = Field(None, description="open (default) or closed")
    rule: int | None = None
    q: str | None = Field(None, description="Text in the organisation's name")


@router.get(
    "/coverage/gaps",
    response=list[GapOut],
    auth=AUTHENTICATED,
    summary="Open coverage gaps, or the history of closed ones (network coordinators)",
)
@paginate(CursorPagination, ordering=("id",))
def list_gaps(request, filters: Query[GapFilter]):
    access.visible_rules(request.auth)
    form = GapFilterForm({k: v for k, v in filters.dict().items() if v is not None})
    raise_form_errors(form)
    return search.gaps(request.auth, form, form.value("state") or "open").order_by()


# Protocols of cooperation -----------------------------------------------------------------


class SignatoryOut(Schema):
    id: int
    organisation: str = Field(..., description="Key of the organisation")
    signed_on: datetime.date
    signed_by: str
    commitments: dict[str, str] = Field(..., description="Text per area")

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.key

    @staticmethod
    def resolve_commitments(obj):
        return {c.area: c.text for c in obj.commitments.all()}


class ProtocolOut(Schema):
    key: str
    title: str
    translations: dict[str, Translations]
    coordinator: str
    presented_on: datetime.date | None
    areas: list[str]
    signatories: list[SignatoryOut]

    @staticmethod
    def resolve_title(obj):
        return str(obj)

    @staticmethod
    def resolve_translations(obj):
        return {"title": obj.title, "text": obj.text}

    @staticmethod
    def resolve_coordinator(obj):
        return obj.coordinator.key

    @staticmethod
    def resolve_areas(obj):
        return list(SynergyArea.values)

    @staticmethod
    def resolve_signatories(obj):
        return obj.signatories.select_related("organisation").prefetch_related("commitments")


@router.get(
    "/protocols", response=list[ProtocolOut], auth=PUBLIC, summary="Protocols of cooperation"
)
def list_protocols(request):
    return access.visible_protocols(request.auth).select_related("coordinator")


@router.get("/protocols/{key}", response=ProtocolOut, auth=PUBLIC, summary="A protocol")
def get_protocol(request, key: str):
    return access.get_protocol_for_user(request.auth, key)


class SignatoryIn(Schema):
    organisation: str
    signed_on: datetime.date
    signed_by: str


@router.post(
    "/protocols/{key}/signatories",
    response={201: SignatoryOut},
    auth=AUTHENTICATED,
    summary="Record a signature (network coordinators of the coordinating organisation)",
)
def add_signatory(request, key: str, payload: SignatoryIn):
    require_write(request)
    protocol = access.get_protocol_for_user(request.auth, key)
    access.require(access.can_manage_protocol(request.auth, protocol))
    form = SignatoryForm(payload.dict(), protocol=protocol)
    raise_form_errors(form)
    data = form.cleaned_data
    signatory = services.add_signatory(
        protocol,
        data["organisation"],
        signed_on=data["signed_on"],
        signed_by=data["signed_by"],
        acting_user=request.auth,
    )
    return Status(201, signatory)


class AreaTexts(Schema):
    staff_information: str = ""
    public_communication: str = ""
    expertise: str = ""
    individual_situations: str = ""


def _writable_signatory(request, key: str, organisation: str):
    require_write(request)
    protocol = access.get_protocol_for_user(request.auth, key)
    signatory = access.get_signatory_for_user(
        request.auth, protocol, organisation__key=organisation
    )
    access.require(access.can_write_for_signatory(request.auth, signatory))
    return signatory


def _area_texts(payload: AreaTexts) -> dict[str, str]:
    form = AreaTextsForm(payload.dict())
    raise_form_errors(form)
    return form.texts()


@router.put(
    "/protocols/{key}/signatories/{organisation}/commitments",
    response=SignatoryOut,
    auth=AUTHENTICATED,
    summary="Replace a partner's commitments (its editors; an empty text removes one)",
)
def put_commitments(request, key: str, organisation: str, payload: AreaTexts):
    signatory = _writable_signatory(request, key, organisation)
    services.save_commitments(signatory, _area_texts(payload), acting_user=request.auth)
    return signatory


class ReviewOut(Schema):
    organisation: str
    year: int
    texts: dict[str, str]


@router.get(
    "/protocols/{key}/reviews/{year}",
    response=list[ReviewOut],
    auth=AUTHENTICATED,
    summary="Every partner's review of a year (signed-in professionals)",
)
def list_reviews(request, key: str, year: int):
    protocol = access.get_protocol_for_user(request.auth, key)
    access.require(access.can_see_reviews(request.auth))
    texts: dict[str, dict[str, str]] = {}
    rows = access.visible_reviews(request.auth, protocol).filter(year=year)
    rows = rows.select_related("signatory__organisation")
    for review in rows:
        texts.setdefault(review.signatory.organisation.key, {})[review.area] = review.text
    return [{"organisation": org, "year": year, "texts": t} for org, t in sorted(texts.items())]


@router.put(
    "/protocols/{key}/signatories/{organisation}/reviews/{year}",
    response=ReviewOut,
    auth=AUTHENTICATED,
    summary="Write a partner's review of a year (its editors)",
)
def put_review(request, key: str, organisation: str, year: int, payload: AreaTexts):
    signatory = _writable_signatory(request, key, organisation)
    if not 2000 <= year <= timezone.localdate().year:
        raise ValidationError({"year": [_("Give a year from 2000 until this year.")]})
    services.save_review(signatory, year, _area_texts(payload), acting_user=request.auth)
    stored = {r.area: r.text for r in signatory.reviews.filter(year=year)}
    return {"organisation": organisation, "year": year, "texts": stored}
