"""Household requests API: zones, the organizers' queue, and the public endpoints."""

from household_requests.api.public import PublicNeedsView, PublicRequestView
from household_requests.api.queue import RequestQueueViewSet
from household_requests.api.zones import ZoneViewSet

__all__ = ["PublicNeedsView", "PublicRequestView", "RequestQueueViewSet", "ZoneViewSet"]
