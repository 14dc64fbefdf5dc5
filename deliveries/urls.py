from django.urls import path

from deliveries import views

app_name = "deliveries"

urlpatterns = [
    # Drivers
    path("drive/", views.board, name="board"),
    path("drive/mine/", views.my_routes, name="my_routes"),
    path("drive/routes/<int:pk>/", views.route_page, name="route"),
    path("drive/routes/<int:pk>/claim/", views.route_claim, name="route_claim"),
    path("drive/routes/<int:pk>/start/", views.route_start, name="route_start"),
    path("drive/routes/<int:pk>/release/", views.route_release, name="route_release"),
    path("drive/stops/<int:pk>/complete/", views.stop_complete, name="stop_complete"),
    # Organizers
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("deliveries/routes/", views.route_list, name="route_list"),
    path("deliveries/routes/<int:pk>/", views.route_detail, name="route_detail"),
    path("deliveries/drivers/", views.driver_list, name="driver_list"),
    path("deliveries/drivers/new/", views.driver_edit, name="driver_new"),
    path("deliveries/drivers/<int:pk>/", views.driver_edit, name="driver_edit"),
    path("deliveries/reveals/", views.reveal_log, name="reveal_log"),
]
