"""The provider's claims: the person's name and email, and groups read from PROVIDER_DIR's
claims.json at every token. `id_token` in that file changes the next ID token's claims (a
foreign audience, a past expiry) so the dashboard's refusal of such tokens is tested with
tokens a real provider signed."""

import json

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


def people() -> dict:
    path = settings.PROVIDER_DIR / "claims.json"
    return json.loads(path.read_text()) if path.exists() else {}


class ClaimsFromFile(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "profile"}

    def get_additional_claims(self, request):
        user = request.user
        return {
            "preferred_username": user.username,
            "email": user.email,
            "email_verified": True,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "groups": people().get(user.username, {}).get("groups", []),
        }

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        claims.update(people().get(request.user.username, {}).get("id_token", {}))
        return claims, expiration_time
