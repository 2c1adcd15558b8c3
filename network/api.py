"""The directory in the API: organisations and services, read by everyone (public
entries) and written by each organisation's editors, with the same forms and services as
the pages; and the HSDS 3.0 open-data datasets."""

import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate

from core import i18n
from core.api import AUTHENTICATED, PUBLIC, Translations, require_write
from core.forms import raise_form_errors
from network import access, hsds, search, services
from network.forms import (
    DirectoryFilterForm,
    OrganisationForm,
    ServiceForm,
    SlotFormSet,
    slots_from,
)
from network.models import Service

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
