"""URL routes of the hocba server: each app owns its prefix (Vietnamese, readable URLs)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    # One login, with its lockout: the admin's own login page would be an unthrottled one.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="accounts:login", query_string=True),
        name="admin_login_redirect",
    ),
    path("admin/", admin.site.urls),
    path("", include("hocba.apps.accounts.urls")),
    path("gia-dinh/", include("hocba.apps.portal.urls")),
    path("giam-sat/", include("hocba.apps.reports.urls")),
    path("xac-minh/", include("hocba.apps.verification.urls")),
    path("lop/", include("hocba.apps.records.urls")),
    path("nhap-lieu/", include("hocba.apps.imports.urls")),
    path("ky-so/", include("hocba.apps.signing.urls")),
    path("nhat-ky/", include("hocba.apps.audit.urls")),
    path("quan-tri-truong/", include("hocba.apps.schooladmin.urls")),
    path("ma-api/", include("hocba.apps.api.urls")),
    path("api/v1/", include("hocba.apps.api.api_urls")),
    path("chuyen-truong/", include("hocba.apps.transfers.urls")),
]

handler404 = "hocba.server.errors.page_not_found"
handler403 = "hocba.server.errors.permission_denied"
handler500 = "hocba.server.errors.server_error"
