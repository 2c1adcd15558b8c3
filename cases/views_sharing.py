"""HTML views of what crosses the border of a file: referral intake, referrals to services
and handovers received, the shared file, break-glass and the data protection officer's
disclosure log.

Every read goes through cases.access (which writes its audit row), lists log the ids they
showed, every write goes through cases.services.
"""

from __future__ import annotations

import csv
import datetime
import functools
import uuid
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.stepup import (
    pending_form_data,
    recently_stepped_up,
    step_up_required,
    step_up_url,
)
from audit.services import record_person_reads
from cases import access, services
from cases.forms import (
    AnswerForm,
    BreakGlassForm,
    ContributionForm,
    DecideReferralForm,
    HandoverDecisionForm,
    HandoverForm,
    ReferralDecision,
    ReferralForm,
    ReviewForm,
    ServiceReferralForm,
    WithdrawForm,
)
from cases.models import (
    OPEN_SERVICE_REFERRAL,
    CaseFile,
    Contribution,
    ContributionKind,
    Goal,
    Handover,
    JournalEntry,
    LegalBasis,
    Person,
    PlanStatus,
    ReferralField,
    ReferralStatus,
    ServiceReferral,
    ServiceReferralStatus,
)
from core.forms import add_service_errors
from network.models import Organisation, Service, ServiceStatus

PAGE_SIZE = 50

# What a person's disclosure log says for each action code (the code itself otherwise).
ACTION_LABELS = {
    "case.person.created": gettext_lazy("Person recorded"),
    "case.person.national_number_revealed": gettext_lazy("National number revealed"),
    "case.referral.created": gettext_lazy("Referral recorded"),
    "case.referral.listed": gettext_lazy("Shown in a list of referrals"),
    "case.referral.viewed": gettext_lazy("Referral read"),
    "case.referral.accepted": gettext_lazy("Referral accepted"),
    "case.referral.redirected": gettext_lazy("Referral redirected to another service"),
    "case.referral.no_further_action": gettext_lazy("Referral closed: no further action"),
    "case.file.created": gettext_lazy("File opened"),
    "case.file.viewed": gettext_lazy("File read"),
    "case.file.denied": gettext_lazy("Access to a file refused"),
    "case.file.listed": gettext_lazy("Shown in a list of files"),
    "case.file.searched": gettext_lazy("Found by a search"),
    "case.file.updated": gettext_lazy("File changed"),
    "case.file.closed": gettext_lazy("File closed"),
    "case.file.reopened": gettext_lazy("File reopened"),
    "case.file.exported": gettext_lazy("File exported"),
    "case.file.manager_changed": gettext_lazy("Case manager changed"),
    "case.timeline.viewed": gettext_lazy("Timeline read"),
    "case.team.added": gettext_lazy("Case team member added"),
    "case.team.removed": gettext_lazy("Case team member removed"),
    "case.journal.created": gettext_lazy("Journal entry written"),
    "case.journal.updated": gettext_lazy("Journal entry changed"),
    "case.journal.viewed": gettext_lazy("Journal entry read"),
    "case.evaluation.signed": gettext_lazy("Evaluation signed"),
    "case.evaluation.viewed": gettext_lazy("Evaluation read"),
    "case.plan.drafted": gettext_lazy("Guidance plan drafted"),
    "case.plan.saved": gettext_lazy("Guidance plan changed"),
    "case.plan.approved": gettext_lazy("Guidance plan approved"),
    "case.plan.viewed": gettext_lazy("Guidance plan read"),
    "case.condition.created": gettext_lazy("Judicial condition recorded"),
    "case.condition.checked": gettext_lazy("Judicial condition checked"),
    "case.attachment.created": gettext_lazy("Document added"),
    "case.attachment.viewed": gettext_lazy("Document opened"),
    "case.shared.viewed": gettext_lazy("Shared file read"),
    "case.contribution.form_viewed": gettext_lazy("Contribution being prepared"),
    "case.contribution.shared": gettext_lazy("Contribution shared"),
    "case.contribution.withdraw_viewed": gettext_lazy("Withdrawal of a contribution prepared"),
    "case.contribution.withdrawn": gettext_lazy("Contribution withdrawn"),
    "case.service_referral.form_viewed": gettext_lazy("Referral to a service being prepared"),
    "case.service_referral.sent": gettext_lazy("Referred to a service"),
    "case.service_referral.listed": gettext_lazy("Shown in a list of referrals received"),
    "case.service_referral.viewed": gettext_lazy("Referral to a service read by the service"),
    "case.service_referral.accepted": gettext_lazy("Referral accepted by the service"),
    "case.service_referral.refused": gettext_lazy("Referral refused by the service"),
    "case.service_referral.done": gettext_lazy("Referral reported done by the service"),
    "case.service_referral.dropped": gettext_lazy("Referral reported dropped by the service"),
    "case.service_referral.withdrawn": gettext_lazy("Referral to a service withdrawn"),
    "case.handover.form_viewed": gettext_lazy("Handover being prepared"),
    "case.handover.requested": gettext_lazy("Handover requested"),
    "case.handover.history.viewed": gettext_lazy("Handovers of the file listed"),
    "case.handover.listed": gettext_lazy("Shown in a list of handovers received"),
    "case.handover.viewed": gettext_lazy("Handover read by the receiving organisation"),
    "case.handover.accepted": gettext_lazy("Handover accepted"),
    "case.handover.declined": gettext_lazy("Handover declined"),
    "case.break_glass.opened": gettext_lazy("Break-glass access opened"),
    "case.break_glass.refused": gettext_lazy("Break-glass access refused"),
    "case.break_glass.listed": gettext_lazy("Shown in the break-glass review queue"),
    "case.break_glass.viewed": gettext_lazy("Break-glass use read for review"),
    "case.break_glass.reviewed": gettext_lazy("Break-glass use reviewed"),
    "case.disclosures.searched": gettext_lazy("Found by the data protection officer"),
    "case.disclosures.viewed": gettext_lazy("Disclosure log read"),
    "case.disclosures.exported": gettext_lazy("Disclosure log exported"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


@functools.cache
def _model_label(target_type: str):
    try:
        return apps.get_model(target_type)._meta.verbose_name
    except (LookupError, ValueError):
        return target_type


def record_type_label(target_type: str) -> str:
    return str(_model_label(target_type)) if target_type else ""


def _page(request, queryset, param: str = "page"):
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
    page = _page(request, queue.order_by("-received_on", "-id"))
    sent = None
    if access.works_cases(user):
        sent = _page(
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
    page = _page(request, referrals.order_by("due_on", "-id"))
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
        "form": form if allowed else None,
        "conflict": conflict,
        "mine": request.POST if conflict else None,
        "mine_status": dict(ServiceReferralStatus.choices).get(request.POST.get("status", "")),
    }
    return render(request, "cases/incoming_detail.html", context, status=409 if conflict else 200)


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


# --- Break-glass --------------------------------------------------------------------------


@login_required
@step_up_required
def break_glass(request):
    """Emergency read-only access to a file of one's own organisation one is not on."""
    user = request.user
    access.require(access.works_cases(user))
    form = BreakGlassForm(request.POST or None, initial=pending_form_data(request))
    if request.method == "POST" and form.is_valid():
        file = access.break_glass_file(user, form.cleaned_data["handle"])
        if file is None:
            form.add_error("handle", _("No file of your organisation can be opened this way."))
        else:
            try:
                grant = services.break_glass(file, form.cleaned_data["reason"], actor=user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.warning(
                    request,
                    _(
                        "Read-only access until %(time)s. The case manager and the data "
                        "protection officer are informed."
                    )
                    % {"time": date_format(timezone.localtime(grant.expires_at), "TIME_FORMAT")},
                )
                return redirect("cases:file", file_uuid=file.uuid)
    return render(request, "cases/break_glass_form.html", {"form": form})


@login_required
def break_glass_review(request):
    user = request.user
    access.require(access.is_dpo(user))
    grants = access.break_glass_to_review(user).select_related(
        "user", "file__person", "file__organisation", "reviewed_by"
    )
    page = _page(
        request, grants.order_by(F("reviewed_at").asc(nulls_first=True), "-started_at", "-id")
    )
    record_person_reads(
        "case.break_glass.listed",
        actor=user,
        target_type="cases.breakglass",
        rows=[(g.pk, g.file.person.uuid) for g in page],
    )
    return render(request, "cases/break_glass_review.html", {"page": page})


@login_required
def break_glass_review_one(request, grant_uuid):
    user = request.user
    grant = access.get_break_glass_for_dpo(user, grant_uuid, "case.break_glass.viewed")
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        access.require(grant.reviewed_at is None)
        if form.is_valid():
            services.review_break_glass(
                grant,
                justified=form.cleaned_data["justified"],
                note=form.cleaned_data["note"],
                actor=user,
            )
            messages.success(request, _("The review is recorded."))
            return redirect("cases:break_glass_review")
    context = {"grant": grant, "person": grant.file.person, "form": form}
    return render(request, "cases/break_glass_review_one.html", context)


# --- The data protection officer's disclosure log -----------------------------------------


@login_required
def disclosure_search(request):
    user = request.user
    access.require(access.is_dpo(user))
    handle = (request.GET.get("handle") or "").strip().upper()[:20]
    persons = list(access.dpo_persons(user).filter(handle=handle)) if handle else []
    record_person_reads(
        "case.disclosures.searched",
        actor=user,
        target_type="cases.person",
        rows=[(p.pk, p.uuid) for p in persons],
    )
    context = {"handle": handle, "persons": persons, "searched": bool(handle)}
    return render(request, "cases/disclosure_search.html", context)


def _disclosures(user, person: Person):
    """What the DPO's organisation shared about the person, with whom and on which basis,
    and what it received; no content."""
    org = user.organisation_id
    contributions = (
        Contribution.objects.filter(person=person)
        .filter(Q(file__organisation_id=org) | Q(recipients=org))
        .distinct()
        .defer("text")
        .select_related("file__organisation", "to_livc")
        .prefetch_related("recipients")
        .order_by("-created_at", "-id")
    )
    referrals = (
        ServiceReferral.objects.filter(file__person=person)
        .filter(Q(file__organisation_id=org) | Q(service__organisation_id=org))
        .defer("shared", "message", "reason")
        .select_related("service__organisation", "file__organisation")
        .order_by("-sent_at", "-id")
    )
    handovers = (
        Handover.objects.filter(file__person=person)
        .filter(Q(file__organisation_id=org) | Q(to_organisation_id=org))
        .defer("summary")
        .select_related("file__organisation", "to_organisation")
        .order_by("-requested_at", "-id")
    )
    return contributions, referrals, handovers


def _field_labels(fields: list[str]) -> str:
    labels = dict(ReferralField.choices)
    return ", ".join(str(labels.get(f, f)) for f in fields)


@login_required
def disclosures(request, person_uuid):
    person = access.get_person_for_dpo(request.user, person_uuid, "case.disclosures.viewed")
    events = access.disclosure_events(request.user, person).select_related("organisation")
    page = _page(request, events.order_by("-at", "-id"))
    rows = [
        {
            "event": event,
            "organisation": event.organisation.display_name if event.organisation else "",
            "label": action_label(event.action),
            "record_type": record_type_label(event.target_type),
        }
        for event in page
    ]
    contributions, referrals, handovers = _disclosures(request.user, person)
    context = {
        "person": person,
        "page": page,
        "rows": rows,
        "contributions": contributions,
        "referrals": [(r, _field_labels(r.fields)) for r in referrals],
        "handovers": handovers,
    }
    return render(request, "cases/disclosure_log.html", context)


def _cell(value) -> str:
    """A spreadsheet cell that cannot run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def disclosures_export(request, person_uuid):
    """The disclosure log for an access request. Third parties are redacted: people acting
    appear only as their organisation, reasons are left out, recipients are organisations."""
    person = access.get_person_for_dpo(request.user, person_uuid, "case.disclosures.exported")
    if not recently_stepped_up(request):  # an export leaves Synergie: the factor again
        return redirect(step_up_url(request, request.path))
    events = (
        access.disclosure_events(request.user, person)
        .select_related("organisation")
        .order_by("-at", "-id")
    )
    contributions, referrals, handovers = _disclosures(request.user, person)
    header = [
        _("Record"),
        _("Date"),
        _("Organisation"),
        _("Action"),
        _("Action code"),
        _("Type of record"),
        _("Shared with"),
        _("Legal basis"),
        _("Purpose"),
        _("Information shared"),
        _("Status"),
    ]

    def org(o) -> str:
        return o.display_name if o is not None else ""

    def lines():
        yield header
        for e in events.iterator(chunk_size=2000):
            yield [
                _("Log event"),
                e.at.isoformat(),
                org(e.organisation),
                action_label(e.action),
                e.action,
                record_type_label(e.target_type),
                "",
                "",
                "",
                "",
                "",
            ]
        for c in contributions:
            shared_with = [org(o) for o in c.recipients.all()]
            if c.to_livc is not None:
                shared_with.insert(0, str(c.to_livc))
            yield [
                _("Contribution to the shared file"),
                c.created_at.isoformat(),
                org(c.file.organisation),
                action_label("case.contribution.shared"),
                "case.contribution.shared",
                record_type_label("cases.contribution"),
                "; ".join(shared_with),
                c.get_legal_basis_display(),
                c.purpose,
                c.get_kind_display(),
                _("Withdrawn on %(date)s") % {"date": c.withdrawn_at.date().isoformat()}
                if c.withdrawn_at
                else _("Shared"),
            ]
        for r in referrals:
            yield [
                _("Referral to a service"),
                r.sent_at.isoformat(),
                org(r.file.organisation),
                action_label("case.service_referral.sent"),
                "case.service_referral.sent",
                record_type_label("cases.servicereferral"),
                f"{r.service} ({org(r.service.organisation)})",
                r.get_legal_basis_display(),
                "",
                _field_labels(r.fields),
                r.get_status_display(),
            ]
        for h in handovers:
            yield [
                _("Handover"),
                h.requested_at.isoformat(),
                org(h.file.organisation),
                action_label("case.handover.requested"),
                "case.handover.requested",
                record_type_label("cases.handover"),
                org(h.to_organisation),
                h.get_legal_basis_display(),
                "",
                _("Handover summary"),
                h.get_status_display(),
            ]

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    writer = csv.writer(response)
    for line in lines():
        writer.writerow([_cell(v) for v in line])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="disclosures-{person.handle}-{stamp}.csv"'
    )
    return response
