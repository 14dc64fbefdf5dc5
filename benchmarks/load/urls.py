"""The site's URLs plus the two floors: a bare read and a bare one-row insert, behind the
same middleware (sessions, CSRF, locale) as every page."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from mutualaid import urls as site_urls

BARE_TABLE = "load_bare_insert"


def bare_read(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def bare_insert(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {BARE_TABLE} (note) VALUES (%s)", ["x"])
    return HttpResponse("ok", status=201)


urlpatterns = [
    path("_load/bare/", bare_read),
    path("_load/insert/", bare_insert),
    *site_urls.urlpatterns,
]
