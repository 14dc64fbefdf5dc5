from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from deliveries.api import MatchingRunView, StopCompleteView
from household_requests.api import PublicNeedsView, PublicRequestView
from household_requests.api.pauses import PausedZonesView, ZonePauseView
from mutualaid import language_links, views, views_volunteers
from mutualaid.api import TokenLoginView, TokenLogoutAllView, TokenLogoutView, router

# The API docs page (Swagger UI, from our own static files): its script is a file (the split
# view), so scripts stay our own files only; its page has an inline <style> and its icons
# are data: images. Relaxed for this one view, which shows nothing private.
api_docs = csp_update({"style-src": [UNSAFE_INLINE], "img-src": ["data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)

urlpatterns = [
    path("", views.landing, name="landing"),
    path("home/", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Volunteers from the web (issue 12): passwords, one-time links, the organizers' page.
    path(
        "accounts/password_change/",
        views_volunteers.PasswordChange.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password_reset/",
        TemplateView.as_view(template_name="registration/password_reset.html"),
        name="password_reset",
    ),
    path(
        "accounts/welcome/set-password/",
        views_volunteers.access_link_set,
        name="access_link_set",
    ),
    path("accounts/welcome/<str:token>/", views_volunteers.access_link, name="access_link"),
    path("volunteers/", views_volunteers.volunteer_list, name="volunteers"),
    path("volunteers/invite/", views_volunteers.volunteer_invite, name="volunteer_invite"),
    path("volunteers/<int:pk>/reset/", views_volunteers.volunteer_reset, name="volunteer_reset"),
    path(
        "volunteers/<int:pk>/deactivate/",
        views_volunteers.volunteer_deactivate,
        name="volunteer_deactivate",
    ),
    path("inventory/", include("inventory.urls")),
    path("", include("household_requests.urls")),
    path("", include("deliveries.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", TokenLoginView.as_view(), name="api-token"),
    path("api/v1/auth/logout/", TokenLogoutView.as_view(), name="api-logout"),
    path("api/v1/auth/logoutall/", TokenLogoutAllView.as_view(), name="api-logout-all"),
    path("api/v1/public/requests/", PublicRequestView.as_view(), name="api-public-requests"),
    path("api/v1/public/needs/", PublicNeedsView.as_view(), name="api-public-needs"),
    path("api/v1/stops/<int:pk>/complete/", StopCompleteView.as_view(), name="api-stop-complete"),
    path("api/v1/matching/run/", MatchingRunView.as_view(), name="api-matching-run"),
    # Before the router: its zones/<pk>/ would take "pause" for a pk.
    path("api/v1/zones/pause/", ZonePauseView.as_view(), name="api-zones-pause"),
    path("api/v1/zones/paused/", PausedZonesView.as_view(), name="api-zones-paused"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    # A link per language (mutualaid/language_links.py): `/so/request/`, and its flyer.
    re_path(
        rf"^(?P<language>{language_links.language_pattern()})/request/$",
        language_links.request_in_language,
        name="request_in_language",
    ),
    path("flyer/<str:language>/", language_links.flyer, name="flyer"),
]
