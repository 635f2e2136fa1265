"""The admin's side of scopes: a user's test scopes on the user's page, a group's on the group's.

On a user's page, "Groups" gives the roles and "Test scopes" limits each role to tests (rows
for a group the user is not in do nothing). On a group's page, "Test scopes" are the group's
own patterns: they limit every member who has none of their own for that group. A change of a
user's roles or scopes is recorded in the audit trail like one made by grant_role or single
sign-on (access.scopes.grants_changed, source "admin"); the admin's history keeps every change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest

from access.models import RoleScope
from access.scopes import forget_cached_permissions, grants_changed, grants_of


class UserScopeInline(admin.TabularInline):
    model = RoleScope
    fk_name = "user"
    fields = ["group", "pattern", "source", "created_at"]
    readonly_fields = ["source", "created_at"]
    extra = 0
    verbose_name_plural = "Test scopes (a role without rows reaches every test)"


class GroupScopeInline(admin.TabularInline):
    model = RoleScope
    fk_name = "group"
    fields = ["pattern", "source", "created_at"]
    readonly_fields = ["source", "created_at"]
    extra = 0
    verbose_name_plural = "Test scopes of every member without scopes of their own"

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoleScope]:
        return super().get_queryset(request).filter(user__isnull=True)


class ScopedUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, UserScopeInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        user = form.instance
        before = grants_of(user) if change else {}
        super().save_related(request, form, formsets, change)
        RoleScope.objects.filter(user=user, source="").update(source="admin")
        forget_cached_permissions(user)
        after = grants_of(user)
        if after != before:
            grants_changed.send(
                sender=RoleScope,
                user=user,
                before=before,
                after=after,
                source=f"admin ({request.user.get_username()})",
            )


class ScopedGroupAdmin(GroupAdmin):
    inlines = [*GroupAdmin.inlines, GroupScopeInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        RoleScope.objects.filter(group=form.instance, user=None, source="").update(source="admin")


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), ScopedUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, ScopedGroupAdmin)
