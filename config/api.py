"""The REST API at /api/v1/: one NinjaAPI, a router per app, JSON errors everywhere."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from cases.api import router as cases_router
from consultations.api import router as consultations_router
from figures.api import router as figures_router
from network.api import router as network_router
from plans.api import router as plans_router
from plans.services import ConflictError
from platforms.api import router as platforms_router
from retention.api import router as retention_router

api = NinjaAPI(
    title="Synergie API",
    version="1",
    urls_namespace="api",
    description=(
        "Action plans, their measures and progress; the directory of organisations and "
        "services. Adopted plans and public directory entries are open; everything else "
        "needs a personal token (Authorization: Bearer syn_…) or a browser session."
    ),
)
api.add_router("/", plans_router)
api.add_router("/", network_router)
api.add_router("/", platforms_router)
api.add_router("/cases/", cases_router)
api.add_router("/consultations/", consultations_router)
api.add_router("/retention/", retention_router)
api.add_router("/statistics/", figures_router)


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            field: [m for e in errors for m in e.messages]
            for field, errors in error.error_dict.items()
        }
    return {"__all__": error.messages}


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    return api.create_response(
        request, {"detail": _("The data is not valid."), "errors": _messages(exc)}, status=400
    )


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc):
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        field = ".".join(str(p) for p in item.get("loc", [])[1:]) or "__all__"
        errors.setdefault(field, []).append(item.get("msg", ""))
    return api.create_response(
        request, {"detail": _("The data is not valid."), "errors": errors}, status=422
    )


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return api.create_response(request, {"detail": _("You may not do this.")}, status=403)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("Authentication required.")}, status=401)


@api.exception_handler(ConflictError)
def on_conflict(request, exc):
    return api.create_response(
        request,
        {
            "detail": _("Someone else changed this record. Reload it and try again."),
            "current_version": exc.current.version,
        },
        status=409,
    )
