"""Provider identities in the Django admin: which account each person at the provider signs in
to. Read and deleted here (deleting one makes the person's next sign-in create a new account),
never made or edited by hand: only a sign-in proves an identity."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from signon.models import ProviderIdentity


@admin.register(ProviderIdentity)
class ProviderIdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "subject", "issuer", "created_at", "last_sign_in"]
    search_fields = ["user__username", "subject"]
    list_filter = ["issuer"]
    readonly_fields = ["user", "issuer", "subject", "created_at", "last_sign_in"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
