import csv
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
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


PAGE_SIZE = 50
MAX_PAGE = 2000


@dataclass
class Window:
    """One page of events without counting them all: the log holds millions of rows and a
    COUNT(*) per visit would cost more than the page itself."""

    rows: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def __iter__(self):
        return iter(self.rows)


def _window(events, requested: str | None) -> Window:
    try:
        number = min(max(int(requested or 1), 1), MAX_PAGE)
    except ValueError:
        number = 1
    offset = (number - 1) * PAGE_SIZE
    rows = list(events[offset : offset + PAGE_SIZE + 1])
    return Window(rows=rows[:PAGE_SIZE], number=number, has_next=len(rows) > PAGE_SIZE)


@login_required
def search(request):
    form, events = _searched(request)
    fields = (
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
    )
    page = _window(events.only(*fields), request.GET.get("page"))
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
