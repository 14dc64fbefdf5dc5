"""Contact details never show up in the admin, in error reports or in logs."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client, override_settings
from django.utils.log import AdminEmailHandler
from rest_framework.test import APIClient

from household_requests import services
from household_requests.models import HouseholdRequest
from inventory.models import Item
from tests.household_requests.factories import (
    SECRET_ADDRESS,
    SECRET_NAME,
    SECRET_NOTES,
    SECRET_PHONE,
    as_form,
    make_zone,
    request_payload,
    submit,
)
from tests.inventory.factories import ItemFactory

pytestmark = pytest.mark.django_db

SECRETS = (SECRET_NAME, SECRET_PHONE, SECRET_ADDRESS, SECRET_NOTES)


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert "Leakcheck" not in text


def test_it_keeps_contacts_out_of_the_admin():
    superuser = User.objects.create_superuser("root", password="pw-root-12345")
    request = submit().request
    client = Client()
    client.force_login(superuser)

    pages = [
        "/admin/",
        "/admin/household_requests/householdrequest/",
        f"/admin/household_requests/householdrequest/{request.pk}/change/",
        "/admin/household_requests/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_secret(response.content.decode())
    assert client.get("/admin/household_requests/sealedcontact/").status_code == 404


@pytest.fixture
def failing_submit(monkeypatch: pytest.MonkeyPatch) -> Item:
    """Every submission fails after its checks; answers the item to ask for."""
    make_zone()

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "request_submit", broken)
    return ItemFactory.create()


@override_settings(ADMINS=[("Ops", "ops@example.org")], DEBUG=False)
def test_it_keeps_contacts_out_of_logs_and_error_reports_of_a_failing_request(
    failing_submit: Item, caplog: pytest.LogCaptureFixture
):
    item = failing_submit
    handler = AdminEmailHandler(include_html=True)  # the HTML report shows POST and locals
    logging.getLogger("django.request").addHandler(handler)
    try:
        with caplog.at_level(logging.DEBUG):
            response = Client(raise_request_exception=False).post(
                "/request/", as_form(request_payload(item))
            )
    finally:
        logging.getLogger("django.request").removeHandler(handler)

    assert response.status_code == 500
    assert HouseholdRequest.objects.count() == 0
    assert mail.outbox
    report = "".join(
        message.body
        + "".join(str(content) for content, _mime in getattr(message, "alternatives", []))
        for message in mail.outbox
    )
    assert "<html" in report.lower()
    assert "database went away" in report  # the report is real and complete otherwise
    assert_no_secret(report)
    assert_no_secret(caplog.text)
    assert_no_secret("\n".join(str(record.__dict__) for record in caplog.records))


def test_it_keeps_contacts_out_of_logs_of_a_failing_api_request(
    failing_submit: Item, caplog: pytest.LogCaptureFixture
):
    client = APIClient(raise_request_exception=False)
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            "/api/v1/public/requests/", request_payload(failing_submit), format="json"
        )

    assert response.status_code == 500
    assert "database went away" in caplog.text
    assert_no_secret(caplog.text)
    assert_no_secret(response.content.decode())
    assert HouseholdRequest.objects.count() == 0


def test_it_logs_nothing_personal_on_a_good_request(caplog: pytest.LogCaptureFixture):
    make_zone()
    item = ItemFactory.create()

    with caplog.at_level(logging.DEBUG):
        # Following the redirect: the family's status page logs nothing personal either.
        response = Client().post("/request/", as_form(request_payload(item)), follow=True)

    assert response.status_code == 200 and response.redirect_chain[0][1] == 303
    assert HouseholdRequest.objects.count() == 1
    assert_no_secret(caplog.text)


def test_it_keeps_the_status_secret_out_of_the_development_server_log():
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    handler = Keep()
    server_log = logging.getLogger("django.server")
    server_log.addHandler(handler)
    try:
        # What runserver logs for each request it serves.
        server_log.info('"%s" %s %s', "GET /request/status/ABCD-EFGH/s3cr3tLink/ HTTP/1.1", 200, 9)
    finally:
        server_log.removeHandler(handler)

    assert [record.getMessage() for record in seen] == [
        '"GET /request/status/ABCD-EFGH/[secret]/ HTTP/1.1" 200 9'
    ]


def test_it_keeps_the_status_secret_out_of_the_log_of_a_refused_request(
    caplog: pytest.LogCaptureFixture,
):
    submitted = submit()
    url = f"/request/status/{submitted.request.reference}/{submitted.status_secret}/cancel/"

    with caplog.at_level(logging.INFO):
        response = Client().get(url)  # cancel takes POST only: Django logs the refused path
        no_cookie = Client(enforce_csrf_checks=True).post(url)

    assert (response.status_code, no_cookie.status_code) == (405, 403)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"/request/status/{submitted.request.reference}/[secret]/cancel/" in logged
    assert submitted.status_secret not in logged


def test_it_tells_browsers_and_proxies_not_to_keep_pages(client: Client):
    submitted = submit()

    for url in [
        "/request/",
        f"/request/status/{submitted.request.reference}/{submitted.status_secret}/",
    ]:
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
        assert response["Referrer-Policy"] == "same-origin"
