from django.apps import AppConfig


class CandidatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "candidates"
    verbose_name = "The candidate's side"

    def ready(self):
        from candidates import receivers  # noqa: F401 (connects the signal receivers)
