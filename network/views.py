"""HTML views of the directory: scope, form, service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from network import access, hsds, search, services
from network.forms import (
    DirectoryFilterForm,
    OrganisationForm,
    ServiceForm,
    SlotFormSet,
    slots_from,
)
from network.models import Channel, TargetGroup
from plans import access as plans_access
from plans.models import MeasureActor

PAGE_SIZE = 25
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def directory(request):
    form = DirectoryFilterForm(request.GET or None)
    form.is_valid()
    kind = form.value("kind") or "services"
    results = search.directory(request.user, form, kind)
    page = Paginator(results, PAGE_SIZE).get_page(form.value("page") or 1)
    context = {"form": form, "kind": kind, "page": page, "query": request.GET}
    if request.headers.get("HX-Request"):
        return render(request, "network/_results.html", context)
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
        "can_edit": access.can_edit_organisation(request.user, org),
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
