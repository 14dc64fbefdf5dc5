from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from deliveries.api import MatchingRunView, StopCompleteView
from household_requests.api import PublicNeedsView, PublicRequestView
from mutualaid import views
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
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
]
