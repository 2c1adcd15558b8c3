"""HTML views of what crosses the border of a file: referral intake, referrals to services
and handovers received, the shared file (break-glass and the disclosure log: views_oversight).

Every read goes through cases.access (which writes its audit row), lists log the ids they
showed, every write goes through cases.services.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import record_person_reads
from cases import access, services
from cases.forms import (
    AnswerForm,
    ContributionForm,
    DecideReferralForm,
    HandoverDecisionForm,
    HandoverForm,
    ReferralDecision,
    ReferralForm,
    ServiceReferralForm,
    WithdrawForm,
)
from cases.models import (
    OPEN_SERVICE_REFERRAL,
    CaseFile,
    ContributionKind,
    Goal,
    JournalEntry,
    LegalBasis,
    PlanStatus,
    ReferralField,
    ReferralStatus,
    ServiceReferral,
    ServiceReferralStatus,
)
from core.forms import add_service_errors
from network.models import Organisation, Service, ServiceStatus

PAGE_SIZE = 50


def paginate(request, queryset, param: str = "page"):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get(param))


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise Http404 from error


def _on_team(user, file: CaseFile) -> bool:
    return access.team_files(user).filter(pk=file.pk).exists()


# --- Intake -----------------------------------------------------------------------------


@login_required
def referral_list(request):
    """The referral officers' queue, and the status of the referrals the user sent."""
    user = request.user
    access.require(access.receives_referrals(user) or access.works_cases(user))
    status = request.GET.get("status") or ReferralStatus.RECEIVED
    if status != "all" and status not in ReferralStatus.values:
        status = ReferralStatus.RECEIVED
    queue = access.visible_referrals(user).select_related("person", "referrer_organisation")
    if status != "all":
        queue = queue.filter(status=status)
    page = paginate(request, queue.order_by("-received_on", "-id"))
    sent = None
    if access.works_cases(user):
        sent = paginate(
            request,
            access.sent_referrals(user)
            .select_related("person", "organisation")
            .order_by("-created_at", "-id"),
            "sent_page",
        )
    rows = {r.pk: r.person.uuid for r in [*page, *(sent or [])]}
    record_person_reads(
        "case.referral.listed", actor=user, target_type="cases.referral", rows=rows.items()
    )
    context = {
        "page": page,
        "sent": sent,
        "status": status,
        "statuses": ReferralStatus.choices,
        "receives": access.receives_referrals(user),
        "can_refer": access.can_refer_person(user),
    }
    return render(request, "cases/referral_list.html", context)


@login_required
def referral_create(request):
    access.require(access.can_refer_person(request.user))
    form = ReferralForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.create_referral(
                actor=request.user, person_data=form.person_data(), data=form.referral_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The referral is recorded under the handle %(handle)s.")
                % {"handle": referral.person.handle},
            )
            return redirect("cases:referrals")
    return render(request, "cases/referral_form.html", {"form": form})


@login_required
def referral_detail(request, referral_uuid):
    referral = access.get_referral_for_user(request.user, referral_uuid, "case.referral.viewed")
    form = DecideReferralForm(
        request.POST or None,
        organisation_id=referral.organisation_id,
        initial={"version": referral.version},
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            return _decide_referral(request, referral, form.cleaned_data)
        except services.EditConflict as error:
            conflict = error.current
        except ValidationError as error:
            add_service_errors(form, error)
    context = {
        "referral": referral,
        "person": referral.person,
        "form": form,
        "conflict": conflict,
        "can_decide": referral.status == ReferralStatus.RECEIVED and conflict is None,
        "file_link": referral.file_id is not None and _on_team(request.user, referral.file),
    }
    return render(request, "cases/referral_detail.html", context, status=409 if conflict else 200)


def _decide_referral(request, referral, data):
    kwargs = {"actor": request.user, "note": data["note"], "expected_version": data["version"]}
    decision = data["decision"]
    if decision == ReferralDecision.ACCEPT:
        file = services.accept_referral(referral, manager=data["manager"], **kwargs)
        messages.success(request, _("The referral is accepted: the file is open."))
        if _on_team(request.user, file):
            return redirect("cases:file", file_uuid=file.uuid)
        return redirect("cases:referral", referral_uuid=referral.uuid)
    if decision == ReferralDecision.REDIRECT:
        services.redirect_referral(referral, service=data["service"], **kwargs)
        messages.success(request, _("The referral is redirected to the service."))
    else:
        services.close_referral(referral, **kwargs)
        messages.success(request, _("The referral is closed with no further action."))
    return redirect("cases:referrals")


# --- Received: referrals to our services, handovers to our organisation -----------------


@login_required
def incoming_list(request):
    user = request.user
    access.require(access.works_cases(user) or access.receives_referrals(user))
    show_all = request.GET.get("show") == "all"
    referrals = access.incoming_service_referrals(user).select_related(
        "service", "file__organisation", "file__person"
    )
    if not show_all:
        referrals = referrals.filter(status__in=OPEN_SERVICE_REFERRAL)
    page = paginate(request, referrals.order_by("due_on", "-id"))
    handovers = list(
        access.incoming_handovers(user)
        .select_related("file__person", "file__organisation")
        .order_by("-requested_at", "-id")[:PAGE_SIZE]
    )
    record_person_reads(
        "case.service_referral.listed",
        actor=user,
        target_type="cases.servicereferral",
        rows=[(r.pk, r.file.person.uuid) for r in page],
    )
    record_person_reads(
        "case.handover.listed",
        actor=user,
        target_type="cases.handover",
        rows=[(h.pk, h.file.person.uuid) for h in handovers],
    )
    context = {
        "page": page,
        "show_all": show_all,
        "handovers": handovers,
        "receives": access.receives_referrals(user),
    }
    return render(request, "cases/incoming_list.html", context)


def _sent_values(referral: ServiceReferral) -> list[tuple[Any, object]]:
    """The information sent, field by field, in the order of the form, nothing else."""
    rows = []
    for field in ReferralField:
        if field.value not in referral.fields:
            continue
        shared: dict[str, Any] = referral.shared
        value: object = shared.get(field.value, "")
        if field == ReferralField.DATE_OF_BIRTH and isinstance(value, str) and value:
            value = datetime.date.fromisoformat(value)
        rows.append((field.label, value))
    return rows


@login_required
def incoming_detail(request, referral_uuid):
    """What the sending file chose to send, and the service's answer. Never the file."""
    referral = access.get_incoming_referral_for_user(
        request.user, referral_uuid, "case.service_referral.viewed"
    )
    form = AnswerForm(request.POST or None, initial={"version": referral.version})
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_service_referral(
                referral,
                form.cleaned_data["status"],
                form.cleaned_data["reason"],
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except services.EditConflict as error:
            conflict = error.current
            form = AnswerForm(initial={"version": conflict.version})
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your answer is recorded; the sender sees it."))
            return redirect("cases:incoming", referral_uuid=referral.uuid)
    current = conflict or referral
    allowed = services.NEXT_STATUS.get(current.status, set())
    form.fields["status"].choices = [c for c in form.fields["status"].choices if c[0] in allowed]
    context = {
        "referral": referral,
        "current": current,
        "sent": _sent_values(referral),
        "can_open_file": current.status == ServiceReferralStatus.ACCEPTED
        and not referral.receiver_file_id,
        "form": form if allowed else None,
        "conflict": conflict,
        "mine": request.POST if conflict else None,
        "mine_status": dict(ServiceReferralStatus.choices).get(request.POST.get("status", "")),
    }
    return render(request, "cases/incoming_detail.html", context, status=409 if conflict else 200)


@login_required
@require_POST
def incoming_open_file(request, referral_uuid):
    """The receiving organisation's own file on the person, from what was sent only."""
    referral = access.get_incoming_referral_for_user(
        request.user, referral_uuid, "case.service_referral.viewed"
    )
    try:
        file = services.open_file_from_service_referral(referral, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("cases:incoming", referral_uuid=referral.uuid)
    messages.success(request, _("Your organisation's file is open; you are its case manager."))
    return redirect("cases:file", file_uuid=file.uuid)


@login_required
def handover_decide(request, handover_uuid):
    handover = access.get_handover_for_user(request.user, handover_uuid, "case.handover.viewed")
    form = HandoverDecisionForm(request.POST or None, organisation_id=request.user.organisation_id)
    if request.method == "POST" and form.is_valid():
        try:
            decided = services.decide_handover(
                handover,
                accept=form.cleaned_data["accept"],
                actor=request.user,
                manager=form.cleaned_data["manager"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if decided.new_file_id is None:
                messages.success(request, _("The handover is declined."))
                return redirect("cases:incoming_list")
            messages.success(request, _("The handover is accepted: your file is open."))
            if _on_team(request.user, decided.new_file):
                return redirect("cases:file", file_uuid=decided.new_file.uuid)
            return redirect("cases:incoming_list")
    context = {"handover": handover, "person": handover.file.person, "form": form}
    return render(request, "cases/handover_decide.html", context)


# --- Sharing from a file ------------------------------------------------------------------


@login_required
def shared_file(request, file_uuid):
    """The person's shared file as this file's organisation sees it, and what this file
    referred to services."""
    user = request.user
    file = access.get_file_for_user(user, file_uuid, "case.shared.viewed")
    contributions = [
        (c, access.can_withdraw(user, file, c))
        for c in access.visible_contributions(user, file).order_by("-created_at", "-id")
    ]
    referrals = file.service_referrals.select_related("service__organisation").order_by(
        "-sent_at", "-id"
    )
    context = {
        "file": file,
        "person": file.person,
        "contributions": contributions,
        "referrals": referrals,
        "open_statuses": OPEN_SERVICE_REFERRAL,
        "can_share": access.can_share(user, file),
        "can_refer": access.can_refer(user, file),
    }
    return render(request, "cases/shared_file.html", context)


def _prefill(request, file: CaseFile) -> dict:
    """The text of the one journal entry or goal the author starts from (?entry=, ?goal=)."""
    if request.GET.get("entry"):
        entry = access.get_child_for_user(
            request.user,
            JournalEntry,
            file.uuid,
            _uuid_or_404(request.GET["entry"]),
            "case.journal.viewed",
        )
        return {"kind": ContributionKind.SUMMARY, "text": entry.text}
    if request.GET.get("goal"):
        goal_id = request.GET["goal"]
        goal = (
            Goal.objects.filter(pk=goal_id, plan__file=file).first()
            if goal_id.isascii() and goal_id.isdigit() and len(goal_id) < 18
            else None
        )
        if goal is None:
            raise Http404
        return {
            "kind": ContributionKind.PLAN_STEP,
            "text": f"{goal.get_sphere_display()}: {goal.description}",
        }
    return {}


@login_required
def contribute(request, file_uuid):
    user = request.user
    file = access.get_file_for_user(user, file_uuid, "case.contribution.form_viewed")
    access.require(access.can_share(user, file))
    initial = {} if request.method == "POST" else _prefill(request, file)
    form = ContributionForm(request.POST or None, initial=initial)
    form.fields["recipients"].queryset = Organisation.objects.exclude(
        pk=file.organisation_id
    ).order_by("abbreviation")
    if request.method == "POST" and form.is_valid():
        try:
            services.contribute(
                file,
                form.data_for_service(),
                list(form.cleaned_data["recipients"]),
                actor=user,
                to_livc=form.cleaned_data["to_livc"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contribution is shared with the recipients."))
            return redirect("cases:shared", file_uuid=file.uuid)
    plan = file.plans.exclude(status=PlanStatus.SUPERSEDED).order_by("-number").first()
    context = {
        "file": file,
        "person": file.person,
        "form": form,
        "entries": file.journal.order_by("-occurred_on", "-id")[:10],
        "goals": plan.goals.all() if plan else [],
    }
    return render(request, "cases/contribute.html", context)


@login_required
def withdraw(request, file_uuid, contribution_uuid):
    user = request.user
    file = access.get_file_for_user(user, file_uuid, "case.contribution.withdraw_viewed")
    contribution = access.get_contribution_for_user(user, file, contribution_uuid)
    access.require(access.can_withdraw(user, file, contribution))
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_contribution(contribution, form.cleaned_data["reason"], actor=user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contribution is withdrawn; the log keeps it."))
            return redirect("cases:shared", file_uuid=file.uuid)
    context = {"file": file, "person": file.person, "contribution": contribution, "form": form}
    return render(request, "cases/withdraw.html", context)


@login_required
def refer(request, file_uuid):
    """Refer the person to a service of the directory, with the information chosen field
    by field; "Preview" shows exactly what the service will receive."""
    user = request.user
    file = access.get_file_for_user(user, file_uuid, "case.service_referral.form_viewed")
    access.require(access.can_refer(user, file))
    initial = {}
    if request.GET.get("service"):
        service = Service.objects.filter(uuid=_uuid_or_404(request.GET["service"])).first()
        initial["service"] = service.pk if service else None
    form = ServiceReferralForm(request.POST or None, initial=initial)
    form.fields["service"].queryset = (
        Service.objects.filter(status=ServiceStatus.ACTIVE)
        .select_related("organisation")
        .order_by("organisation__abbreviation", "id")
    )
    form.fields["service"].label_from_instance = lambda s: f"{s} — {s.organisation.short_name}"
    values = services.shared_values(file.person, ReferralField.values)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            chosen = {ReferralField.HANDLE, *data["fields"]}
            preview = {
                "rows": [(f.label, values[f]) for f in ReferralField if f in chosen],
                "service": data["service"],
                "message": data["message"],
                "legal_basis": LegalBasis(data["legal_basis"]).label,
            }
        else:
            try:
                services.refer_to_service(
                    file,
                    data["service"],
                    fields=data["fields"],
                    message=data["message"],
                    legal_basis=data["legal_basis"],
                    actor=user,
                    **form.basis(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The referral is sent to the service."))
                return redirect("cases:shared", file_uuid=file.uuid)
    context = {
        "file": file,
        "person": file.person,
        "form": form,
        "values": values,
        "preview": preview,
    }
    return render(request, "cases/refer.html", context)


@login_required
@require_POST
def service_referral_withdraw(request, file_uuid, referral_uuid):
    file = access.get_file_for_user(
        request.user, file_uuid, "case.service_referral.withdraw_requested"
    )
    access.require(access.can_refer(request.user, file))
    referral = access.get_sent_referral_for_user(request.user, file, referral_uuid)
    referral.file = file
    try:
        services.withdraw_service_referral(referral, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The referral to the service is withdrawn."))
    return redirect("cases:shared", file_uuid=file.uuid)


@login_required
def handover(request, file_uuid):
    """The case manager passes the follow-up to another organisation; the legal basis is
    given (and checked) again for each handover."""
    user = request.user
    file = access.get_file_for_user(user, file_uuid, "case.handover.form_viewed")
    access.require(access.can_manage_file(user, file))
    form = HandoverForm(request.POST or None)
    form.fields["to_organisation"].queryset = (
        form.fields["to_organisation"].queryset.exclude(pk=file.organisation_id).order_by("key")
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.request_handover(file, form.data_for_service(), actor=user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The handover is requested. The file stays yours until it is accepted."),
            )
            return redirect("cases:file", file_uuid=file.uuid)
    context = {
        "file": file,
        "person": file.person,
        "form": form,
        "handovers": file.handovers.select_related("to_organisation").order_by("-requested_at"),
    }
    return render(request, "cases/handover_form.html", context)
