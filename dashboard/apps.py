from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self):
        # Marks a new log-in's session as just renewed (dashboard.sessions).
        from dashboard import sessions  # noqa: F401
