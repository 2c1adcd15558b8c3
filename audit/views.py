import csv

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from audit import access
from audit.forms import AuditSearchForm
from audit.services import record

EXPORT_LIMIT = 200_000


def _searched(request):
    events = access.visible_events(request.user)
    form = AuditSearchForm(request.GET or None)
    if form.is_bound and form.is_valid():
        events = form.filter(events)
    elif form.is_bound:
        events = events.none()
    return form, events


@login_required
def search(request):
    form, events = _searched(request)
    page = Paginator(
        events.only(
            "at",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "request_id",
            "ip",
            "via",
            "changes",
            "reason",
        ),
        50,
    ).get_page(request.GET.get("page"))
    record("audit.searched", actor=request.user, changes={"query": [None, request.GET.dict()]})
    return render(request, "audit/search.html", {"form": form, "page": page})


class _Echo:
    def write(self, value):
        return value


@login_required
def export(request):
    form, events = _searched(request)
    record("audit.exported", actor=request.user, changes={"query": [None, request.GET.dict()]})
    writer = csv.writer(_Echo())
    header = [
        "at",
        "actor",
        "organisation_id",
        "action",
        "target_type",
        "target_id",
        "changes",
        "reason",
        "request_id",
        "ip",
        "via",
    ]

    def rows():
        yield writer.writerow(header)
        for e in events[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    e.at.isoformat(),
                    e.actor_label,
                    e.organisation_id,
                    e.action,
                    e.target_type,
                    e.target_id,
                    e.changes,
                    e.reason,
                    e.request_id,
                    e.ip or "",
                    e.via,
                ]
            )

    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
