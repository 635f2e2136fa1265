"""Which dashboard account an identity at the provider signs in to.

An account is found by the provider's issuer and subject (`sub`, stable and never reassigned),
never by email address or user name: a local account that happens to share an address with
someone at the provider is not taken over by signing in there.
"""

from django.conf import settings
from django.db import models


class ProviderIdentity(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="signon_identity_unique")
        ]
        verbose_name_plural = "provider identities"

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
