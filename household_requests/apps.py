from django.apps import AppConfig


class HouseholdRequestsConfig(AppConfig):
    name = "household_requests"
    verbose_name = "Household requests"
