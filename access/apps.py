from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Roles and access"

    def ready(self) -> None:
        # Marks a new log-in's session as just renewed (access.sessions).
        from access import sessions  # noqa: F401
