from django.urls import path

from household_requests import views, views_desk, views_lost_link, views_pauses

app_name = "household_requests"

urlpatterns = [
    path("request/", views.request_form, name="request_form"),
    path("request/status/<str:reference>/<str:secret>/", views.status_page, name="status"),
    path(
        "request/status/<str:reference>/<str:secret>/cancel/",
        views.status_cancel,
        name="status_cancel",
    ),
    path(
        "request/status/<str:reference>/<str:secret>/not-today/",
        views.status_not_today,
        name="status_not_today",
    ),
    path(
        "request/status/<str:reference>/<str:secret>/burn/",
        views.status_burn,
        name="status_burn",
    ),
    path("needed/", views.most_needed, name="most_needed"),
    path("desk/", views_desk.desk_page, name="desk"),
    path("desk/hand-over/", views_desk.desk_hand_over, name="desk_hand_over"),
    # Zone pauses (issue 14): dispatchers and organizers; organizers lift and read the record.
    path("zones/pause/", views_pauses.pause_page, name="zone_pause"),
    path("zones/pause/lift/", views_pauses.pause_lift, name="zone_pause_lift"),
    path("zones/pause/record/", views_pauses.pause_record, name="zone_pause_record"),
    path("requests/", views.queue, name="queue"),
    path("requests/export.csv", views.queue_csv, name="queue_csv"),
    path("requests/hotline/", views.hotline_form, name="hotline"),
    # The hotline's cancel by name and postal code for a lost link (issue 14): organizers.
    path("requests/lost-link/", views_lost_link.lost_link_cancel, name="lost_link_cancel"),
    path("requests/<int:pk>/", views.queue_detail, name="queue_detail"),
]
