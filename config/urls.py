from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from config.api import api

admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]  # the admin logs in through allauth
admin.site.site_header = "Synergie"

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("plans/", include("plans.urls")),
    path("audit/", include("audit.urls")),
    path("directory/", include("network.urls")),
    path("platforms/", include("platforms.urls")),
    path("cases/", include("cases.urls")),
    path("consultations/", include("consultations.urls")),
    path("retention/", include("retention.urls")),
    path("statistics/", include("figures.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
