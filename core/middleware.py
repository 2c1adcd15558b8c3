"""Cross-cutting middleware: a request id for every request."""

import re

from django.http import HttpRequest, HttpResponse

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
