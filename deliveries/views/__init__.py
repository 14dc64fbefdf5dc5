"""Delivery pages. Who may see or act on what is decided in deliveries.access, reads go
through deliveries.selectors, writes through deliveries.services and deliveries.drivers;
a contact is unsealed only by deliveries.reveal.contacts_reveal."""

from deliveries.views.driving import (
    board,
    my_routes,
    offer_accept,
    offer_decline,
    route_claim,
    route_page,
    route_release,
    route_start,
    stop_complete,
    stop_reorder,
)
from deliveries.views.organizing import (
    dashboard_page,
    driver_edit,
    driver_list,
    pantry_packing,
    reveal_log,
    route_detail,
    route_labels,
    route_list,
    route_offer,
    route_packing,
    stop_move,
)

__all__ = [
    "board",
    "dashboard_page",
    "driver_edit",
    "driver_list",
    "my_routes",
    "offer_accept",
    "offer_decline",
    "pantry_packing",
    "reveal_log",
    "route_claim",
    "route_detail",
    "route_labels",
    "route_list",
    "route_offer",
    "route_packing",
    "route_page",
    "route_release",
    "route_start",
    "stop_complete",
    "stop_move",
    "stop_reorder",
]
