"""The Cases API's router and the helpers its endpoints share."""

from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from ninja.pagination import CursorPagination

from audit.services import record_person_reads
from cases import access
from cases.models import CaseFile, Contribution
from core.api import PackageRouter, require_write

router = PackageRouter("cases_api_", tags=["cases"])

VERSION_HELP = "The version you read; 409 if it changed since"


class AuditedCursorPagination(CursorPagination):
    """Cursor pagination that logs the persons a page returned: a list is a read too."""

    def __init__(self, *, action: str, target_type: str, person, complete=None, **kwargs):
        self.action = action
        self.target_type = target_type
        self.person = person
        # What each row needs from other tables, found for the page at once: `complete`
        # takes the request and the page's rows and sets it on them.
        self.complete = complete
        super().__init__(**kwargs)

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        if self.complete is not None:
            self.complete(request, page[self.items_attribute])
        record_person_reads(
            self.action,
            actor=request.auth,
            target_type=self.target_type,
            rows=[(row.pk, self.person(row)) for row in page[self.items_attribute]],
            via="api",
        )
        return page


def _file(request, file_uuid: UUID, action: str = "case.file.accessed") -> CaseFile:
    return access.get_file_for_user(request.auth, file_uuid, action)


def _writable(request, file_uuid: UUID) -> CaseFile:
    """A file the user may write (its team): 404 out of sight, 403 otherwise."""
    require_write(request)
    file = _file(request, file_uuid)
    access.require(access.can_edit_file(request.auth, file))
    return file


def _managed(request, file_uuid: UUID) -> CaseFile:
    """A file the user manages (its case manager): 404 out of sight, 403 otherwise."""
    require_write(request)
    file = _file(request, file_uuid)
    access.require(access.can_manage_file(request.auth, file))
    return file


def _conflict_detail() -> str:
    return _("Someone else changed this record. Reload it and try again.")


def _keyed(form, **fields: str) -> None:
    """Let the form's model choices take the API's keys (organisation key, e-mail…)."""
    for name, key in fields.items():
        form.fields[name].to_field_name = key


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _file_out(updated: CaseFile, loaded: CaseFile) -> CaseFile:
    """The saved row with the access facts of the file as it was loaded."""
    updated.my_role = loaded.my_role  # type: ignore[attr-defined]
    updated.access_reason = loaded.access_reason  # type: ignore[attr-defined]
    return updated


def _contribution_status(contribution: Contribution) -> str:
    if contribution.withdrawn_at:
        return "withdrawn"
    return "active" if contribution.is_active else "expired"
