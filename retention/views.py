"""The data protection officer's pages: retention rules, the review queue, legal holds and
the history of removals. Reads go through retention.access, writes through
retention.services; lists record which persons they showed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.stepup import recently_stepped_up, step_up_url
from audit.services import record_person_reads
from core.forms import add_service_errors
from retention import access, clock, services
from retention.forms import (
    BulkApproveForm,
    Decision,
    HoldForm,
    HoldScope,
    LiftForm,
    QueueFilterForm,
    RuleForm,
)
from retention.models import (
    DEFAULT_RULES,
    RetentionRun,
    ReviewStatus,
    RuleKind,
)

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _rule_data(form) -> dict:
    return {"months": form.cleaned_data["months"], "action": form.cleaned_data["action"]}


# --- Rules -------------------------------------------------------------------------------


@login_required
def rules(request):
    user = request.user
    access.require_dpo(user)
    in_force = clock.Rules([user.organisation_id])
    rows = [(kind, in_force.get(user.organisation_id, kind)) for kind in RuleKind]
    cell_rules = {rule.cell_id: rule for rule in in_force.cell_rules(user.organisation_id)}
    cells = [(cell, cell_rules.get(cell.pk)) for cell in access.own_cells(user).order_by("key")]
    context = {"rows": rows, "cells": cells}
    return render(request, "retention/rules.html", context)


@login_required
def rule_edit(request, kind):
    user = request.user
    access.require_dpo(user)
    if kind not in DEFAULT_RULES:
        raise Http404
    rule = clock.Rules([user.organisation_id]).get(user.organisation_id, kind)
    form = RuleForm(request.POST or None, initial={"months": rule.months, "action": rule.action})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_rule(user.organisation, kind, _rule_data(form), actor=user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The rule is saved."))
            return redirect("retention:rules")
    context = {"form": form, "rule": rule, "kind_label": RuleKind(kind).label}
    return render(request, "retention/rule_form.html", context)


@login_required
def cell_rule_edit(request, key):
    user = request.user
    cell = access.get_cell_for_dpo(user, key)
    kind = RuleKind.CONSULTATION_MINUTES
    rule = clock.Rules([user.organisation_id]).get(user.organisation_id, kind, cell.pk)
    form = RuleForm(request.POST or None, initial={"months": rule.months, "action": rule.action})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_rule(user.organisation, kind, _rule_data(form), actor=user, cell=cell)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The rule is saved."))
            return redirect("retention:rules")
    context = {
        "form": form,
        "rule": rule,
        "cell": cell,
        "kind_label": RuleKind(kind).label,
        "own_rule": rule.cell_id == cell.pk and rule.pk is not None,
    }
    return render(request, "retention/rule_form.html", context)


@login_required
@require_POST
def cell_rule_delete(request, key):
    rule = access.get_cell_rule_for_dpo(request.user, key)
    services.remove_cell_rule(rule, actor=request.user)
    messages.success(request, _("The cell follows your organisation's rule for minutes again."))
    return redirect("retention:rules")


# --- The review queue --------------------------------------------------------------------


def _record_listed(user, action: str, items) -> None:
    record_person_reads(
        action,
        actor=user,
        target_type="retention.reviewitem",
        rows=[(item.pk, subject) for item in items if (subject := access.subject_of(item))],
    )


@login_required
def queue(request):
    user = request.user
    access.require_dpo(user)
    form = QueueFilterForm(request.GET or None)
    items = access.visible_items(user).filter(status__in=form.chosen_statuses())
    if form.chosen_kind():
        items = items.filter(kind=form.chosen_kind())
    page = _page(request, items.order_by("due_since", "pk"))
    _record_listed(user, "retention.review.listed", page)
    pending = [item for item in page if item.status == ReviewStatus.PENDING and not item.held]
    context = {"form": form, "page": page, "pending": pending}
    return render(request, "retention/queue.html", context)


@login_required
@require_POST
def approve_selected(request):
    user = request.user
    access.require_dpo(user)
    if not recently_stepped_up(request):  # a removal cannot be undone: the factor again
        return redirect(step_up_url(request, reverse("retention:queue")))
    form = BulkApproveForm(request.POST, items=access.visible_items(user))
    if not form.is_valid():
        messages.error(request, _("Choose the records to approve."))
        return redirect("retention:queue")
    approved, skipped = services.approve(form.cleaned_data["items"], actor=user)
    if approved:
        messages.success(
            request,
            ngettext(
                "%(count)s record approved for removal.",
                "%(count)s records approved for removal.",
                approved,
            )
            % {"count": approved},
        )
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)s record was left: under a legal hold or already decided.",
                "%(count)s records were left: under a legal hold or already decided.",
                len(skipped),
            )
            % {"count": len(skipped)},
        )
    return redirect("retention:queue")


@login_required
def item(request, item_uuid):
    user = request.user
    review = access.get_item_for_dpo(user, item_uuid, "retention.review.viewed")
    form = Decision(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["decision"] == Decision.APPROVE and not recently_stepped_up(request):
            return redirect(step_up_url(request, request.path))
        try:
            _decide(review, form, user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("retention:queue")
    rule = clock.rule_for_item(review, clock.Rules([user.organisation_id]))
    context = {
        "item": review,
        "form": form,
        "rule": rule,
        "open": review.status
        in (
            ReviewStatus.PENDING,
            ReviewStatus.APPROVED,
        ),
    }
    return render(request, "retention/item.html", context)


def _decide(review, form, user) -> None:
    if form.cleaned_data["decision"] == Decision.EXTEND:
        services.extend(
            review, until=form.cleaned_data["until"], reason=form.cleaned_data["reason"], actor=user
        )
        return
    approved, _skipped = services.approve([review], actor=user)
    if not approved:
        message = _("This record cannot be approved: it is under a legal hold or already decided.")
        raise ValidationError(message)


# --- Legal holds -------------------------------------------------------------------------


@login_required
def holds(request):
    user = request.user
    access.require_dpo(user)
    page = _page(
        request,
        access.visible_holds(user).order_by(F("lifted_at").desc(nulls_first=True), "-placed_at"),
    )
    record_person_reads(
        "retention.hold.listed",
        actor=user,
        target_type="retention.legalhold",
        rows=[(hold.pk, (hold.person or hold.file.person).uuid) for hold in page],
    )
    return render(request, "retention/holds.html", {"page": page})


@login_required
def hold_place(request):
    user = request.user
    access.require_dpo(user)
    form = HoldForm(request.POST or None, initial={"handle": request.GET.get("handle", "")[:20]})
    if request.method == "POST" and form.is_valid():
        person, file = access.find_person_for_hold(user, form.cleaned_data["handle"])
        on_file = form.cleaned_data["scope"] == HoldScope.FILE
        if person is None:
            form.add_error(
                "handle", _("No person with this handle in your organisation's files or referrals.")
            )
        elif on_file and file is None:
            form.add_error("scope", _("Your organisation keeps no case file on this person."))
        else:
            try:
                services.place_hold(
                    actor=user,
                    person=person,
                    file=file if on_file else None,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The legal hold is in place."))
                return redirect("retention:holds")
    return render(request, "retention/hold_form.html", {"form": form})


@login_required
def hold_lift(request, hold_uuid):
    user = request.user
    hold = access.get_hold_for_dpo(user, hold_uuid, "retention.hold.viewed")
    form = LiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lift_hold(hold, actor=user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The legal hold is lifted."))
            return redirect("retention:holds")
    return render(request, "retention/hold_lift.html", {"hold": hold, "form": form})


# --- History -----------------------------------------------------------------------------


@login_required
def history(request):
    user = request.user
    access.require_dpo(user)
    items = access.visible_items(user).filter(
        status__in=(ReviewStatus.DONE, ReviewStatus.CANCELLED)
    )
    page = _page(request, items.order_by(F("executed_at").desc(nulls_last=True), "-pk"))
    _record_listed(user, "retention.history.listed", page)
    last_run = RetentionRun.objects.filter(finished_at__isnull=False).first()
    return render(request, "retention/history.html", {"page": page, "last_run": last_run})
