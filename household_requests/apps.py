from django.apps import AppConfig


class HouseholdRequestsConfig(AppConfig):
    name = "household_requests"
    verbose_name = "Household requests"

    def ready(self) -> None:
        from inventory import events

        # New stock may fill requests that are still short.
        events.register_stock_listener("household_requests.tasks.allocate_open_requests")
