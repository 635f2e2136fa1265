from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "AutoProctor API console"

    def ready(self):
        from console.session import forget_erased
        from proctoring.signals import candidates_erased

        candidates_erased.connect(forget_erased, dispatch_uid="console.forget_erased")
