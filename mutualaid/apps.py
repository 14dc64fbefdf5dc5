from django.apps import AppConfig


class MutualaidConfig(AppConfig):
    name = "mutualaid"
    verbose_name = "Mutual aid"

    def ready(self) -> None:
        from mutualaid import sealing

        sealing.warn_if_development_key()
