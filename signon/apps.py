from django.apps import AppConfig


class SignonConfig(AppConfig):
    name = "signon"
    verbose_name = "Single sign-on"

    def ready(self) -> None:
        # The role map is checked in every process at start-up: a mistake stops it with a
        # message naming the entry.
        from signon.mapping import role_map

        role_map()
