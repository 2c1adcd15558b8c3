"""Cross-cutting middleware: a request id for every request."""

import re

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from core import request_context

_VALID_INCOMING_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    # Only REMOTE_ADDR: X-Forwarded-For can be forged unless a trusted proxy rewrites
    # REMOTE_ADDR, which is the proxy's job, not ours.
    return request.META.get("REMOTE_ADDR") or None


class RequestIdMiddleware:
    """Gives each request an id, exposed to services (audit) and in the X-Request-ID header.

    An id set by a trusted reverse proxy is kept so logs can be joined across tiers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = (
            incoming if _VALID_INCOMING_ID.match(incoming) else request_context.new_request_id()
        )
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_context.set_current(
            request_context.RequestContext(request_id=request_id, ip=client_ip(request))
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RejectNulMiddleware:
    """Refuses any request whose address, query, form fields or JSON body hold a NUL
    character, with a 400 in the user's language.

    PostgreSQL cannot store or compare text with NUL bytes and would answer a lookup with
    an error (a 500); no value in Synergie may contain one, so it is refused at the door.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._holds_nul(request):
            message = _("The request holds a forbidden character.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)

    @staticmethod
    def _holds_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path:
            return True
        if any("\x00" in v for _key, values in request.GET.lists() for v in values):
            return True
        content_type = request.content_type or ""
        if content_type == "application/json":
            return b"\\u0000" in request.body or b"\x00" in request.body
        if request.method == "POST" and content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            return any("\x00" in v for _key, values in request.POST.lists() for v in values)
        return False
