from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self):
        from proctoring import signals

        signals.evidence_changed.connect(recount_changed_attempts, dispatch_uid="analytics")
        signals.attempts_synced.connect(rekey_synced_attempts, dispatch_uid="analytics")


def recount_changed_attempts(sender, attempt_ids, **kwargs):
    """Keep the tests' violation cells and the attempts' keys in step with the attempts an
    evidence pass, a re-parse or a purge changed."""
    from analytics import candidate_keys, minutes

    minutes.refresh(attempt_ids)
    candidate_keys.refresh(attempt_ids)


def rekey_synced_attempts(sender, since, **kwargs):
    """Keep the attempts' keys in step with what a results pass wrote."""
    from analytics import candidate_keys

    candidate_keys.refresh_synced_since(since)
