from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "apps.checkins"
    label = "checkins"

    def ready(self) -> None:
        from . import signals  # noqa: F401
