from django.urls import path, re_path

from deliveries import views
from deliveries.views import holds as hold_views
from deliveries.views import imports as import_views
from deliveries.views import notices as notice_views
from deliveries.views import reports as report_views
from deliveries.views import settings as settings_views

app_name = "deliveries"

urlpatterns = [
    # Drivers
    path("drive/", views.board, name="board"),
    path("drive/mine/", views.my_routes, name="my_routes"),
    path("drive/routes/<int:pk>/", views.route_page, name="route"),
    path("drive/routes/<int:pk>/claim/", views.route_claim, name="route_claim"),
    path("drive/routes/<int:pk>/start/", views.route_start, name="route_start"),
    path("drive/routes/<int:pk>/release/", views.route_release, name="route_release"),
    # A paused zone (issue 14): the hold, polled by the route page; "I have to stop".
    path("drive/routes/<int:pk>/hold/", hold_views.route_hold, name="route_hold"),
    path("drive/routes/<int:pk>/hand-back/", hold_views.route_hand_back, name="route_hand_back"),
    path("drive/stops/<int:pk>/complete/", views.stop_complete, name="stop_complete"),
    path("drive/routes/<int:pk>/accept/", views.offer_accept, name="offer_accept"),
    path("drive/routes/<int:pk>/decline/", views.offer_decline, name="offer_decline"),
    path("drive/stops/<int:pk>/reorder/", views.stop_reorder, name="stop_reorder"),
    path("drive/settings/", settings_views.driver_settings, name="driver_settings"),
    # Organizers
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("deliveries/routes/", views.route_list, name="route_list"),
    path("deliveries/routes/<int:pk>/", views.route_detail, name="route_detail"),
    path("deliveries/routes/<int:pk>/offer/", views.route_offer, name="route_offer"),
    path("deliveries/routes/<int:pk>/move-stop/", views.stop_move, name="stop_move"),
    path("deliveries/routes/<int:pk>/packing/", views.route_packing, name="route_packing"),
    path("deliveries/routes/<int:pk>/labels/", views.route_labels, name="route_labels"),
    path("deliveries/packing/", views.pantry_packing, name="pantry_packing"),
    path("deliveries/drivers/", views.driver_list, name="driver_list"),
    path("deliveries/drivers/new/", views.driver_edit, name="driver_new"),
    path("deliveries/drivers/<int:pk>/", views.driver_edit, name="driver_edit"),
    path("deliveries/reveals/", views.reveal_log, name="reveal_log"),
    path("deliveries/notices/", notice_views.notice_counts, name="notice_counts"),
    # Import from a network's spreadsheets (deliveries.imports).
    path("import/", import_views.import_start, name="import"),
    path("import/confirm/", import_views.import_confirm, name="import_confirm"),
    path("import/samples/<str:kind>.csv", import_views.import_sample, name="import_sample"),
    path("reports/", report_views.reports_page, name="reports"),
    re_path(
        r"^reports/month/(?P<year>[0-9]{4})-(?P<month>[0-9]{2})/$",
        report_views.month_report_page,
        name="month_report",
    ),
]
