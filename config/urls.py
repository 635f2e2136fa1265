"""The site's URLs: the sign-in pages (signon), Django's account pages and admin, the health
endpoint, then each app's pages."""

from django.contrib import admin
from django.urls import include, path

from config.health.endpoint import healthz

urlpatterns = [
    path("accounts/", include("signon.urls")),
    path("accounts/", include("access.account_urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("analytics.urls")),
    path("", include("dashboard.urls")),
    path("", include("audit.urls")),
    path("", include("console.urls")),
    path("", include("retention.urls")),
    path("", include("notifications.urls")),
    path("", include("candidates.urls")),
]

# A failed request: 503 while the database is not answering, else 500 (config.errors).
handler500 = "config.errors.server_error"
