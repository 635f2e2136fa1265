"""The Django admin, closed to anyone whose role is limited to some tests.

The admin lists every synced row of every test: a scope cannot be kept there, so a staff user
with a scoped role is refused the whole site (the login page says the account may not use it).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class DashboardAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # Imported here: this module is loaded with the app registry, before the models.
        from access.scopes import is_scoped

        return super().has_permission(request) and not is_scoped(request.user)


class DashboardAdminConfig(AdminConfig):
    default_site = "access.admin_site.DashboardAdminSite"
