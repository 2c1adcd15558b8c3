"""HTML views of oversight over the files: break-glass (emergency access to a file of one's
organisation one is not on, and the DPO's review of each use) and the data protection
officer's disclosure log of a person, with its export for an access request.

Every read goes through cases.access (which writes its audit row); lists log the ids they
showed; every write goes through cases.services.
"""

from __future__ import annotations

import csv
import functools

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.stepup import (
    pending_form_data,
    recently_stepped_up,
    step_up_required,
    step_up_url,
)
from audit.services import record_person_reads
from cases import access, services
from cases.forms import (
    BreakGlassForm,
    ReviewForm,
)
from cases.models import (
    Person,
    ReferralField,
)
from cases.views_sharing import paginate
from core.forms import add_service_errors

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
    page = paginate(
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
    contributions, referrals, handovers = access.disclosed(person, user.organisation_id)
    return (
        contributions.defer("text")
        .select_related("file__organisation", "to_livc")
        .prefetch_related("recipients")
        .order_by("-created_at", "-id"),
        referrals.defer("shared", "message", "reason")
        .select_related("service__organisation", "file__organisation")
        .order_by("-sent_at", "-id"),
        handovers.defer("summary")
        .select_related("file__organisation", "to_organisation")
        .order_by("-requested_at", "-id"),
    )


def _field_labels(fields: list[str]) -> str:
    labels = dict(ReferralField.choices)
    return ", ".join(str(labels.get(f, f)) for f in fields)


@login_required
def disclosures(request, person_uuid):
    person = access.get_person_for_dpo(request.user, person_uuid, "case.disclosures.viewed")
    events = access.disclosure_events(request.user, person).select_related("organisation")
    page = paginate(request, events.order_by("-at", "-id"))
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
