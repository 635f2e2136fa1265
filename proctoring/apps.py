from django.apps import AppConfig


class ProctoringConfig(AppConfig):
    name = "proctoring"
    verbose_name = "Proctoring results"

    def ready(self) -> None:
        from proctoring.api_client import apply_field_aliases

        apply_field_aliases()
