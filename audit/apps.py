from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # Records every change of a user's roles and scopes (access.scopes.grants_changed).
        from audit import grants  # noqa: F401
