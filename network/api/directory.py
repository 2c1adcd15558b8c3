"""Organisations and services: reading, changing and verifying their entries, adding
services; the HSDS 3.0 datasets and the import of organisations or services from a
spreadsheet."""

from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Status, UploadedFile
from ninja.decorators import decorate_view
from ninja.pagination import CursorPagination, paginate

from core.api import AUTHENTICATED, PUBLIC, require_write
from core.forms import raise_form_errors
from network import access, hsds, imports, search, services
from network import cache as directory_cache
from network.api.common import _filter_form, _form_data, router
from network.api.schemas import (
    DirectoryFilter,
    DirectoryImportErrors,
    DirectoryImportOut,
    OrganisationOut,
    OrganisationPatch,
    ServiceIn,
    ServiceOut,
)
from network.forms import (
    DirectoryImportForm,
    OrganisationForm,
    ServiceForm,
    SlotFormSet,
    slots_from,
)
from network.models import Service


@router.get(
    "/organisations",
    response=list[OrganisationOut],
    auth=PUBLIC,
    summary="Organisations of the directory",
)
@decorate_view(directory_cache.public_response)
@paginate(CursorPagination, ordering=("id",))
def list_organisations(request, filters: Query[DirectoryFilter]):
    found = search.directory(request.auth, _filter_form(filters), "organisations")
    return found.select_related("parent").order_by()


@router.get(
    "/organisations/{key}", response=OrganisationOut, auth=PUBLIC, summary="An organisation"
)
def get_organisation(request, key: str):
    return access.get_organisation_for_user(request.auth, key)


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
@decorate_view(directory_cache.public_response)
@paginate(CursorPagination, ordering=("id",))
def list_services(request, filters: Query[DirectoryFilter]):
    found = search.directory(request.auth, _filter_form(filters), "services")
    return found.prefetch_related("slots").order_by()


def _service(request, service_id: UUID) -> Service:
    return access.get_service_for_user(request.auth, service_id)


@router.get("/services/{service_id}", response=ServiceOut, auth=PUBLIC, summary="A service")
def get_service(request, service_id: UUID):
    return _service(request, service_id)


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
