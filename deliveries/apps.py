from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "deliveries"
    verbose_name = "Deliveries"

    def ready(self) -> None:
        from deliveries.drivers import on_member_added
        from mutualaid import member_hooks

        member_hooks.register(on_member_added)
