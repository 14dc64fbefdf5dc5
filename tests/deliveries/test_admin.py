"""The deliveries admin shows routes, drivers and the reveal log, never a contact."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests.conftest import api_client_for, page_client
from tests.deliveries.conftest import DriverWorld
from tests.deliveries.factories import route_in_state
from tests.deliveries.helpers import assert_no_secret, text_of

pytestmark = pytest.mark.django_db


def test_it_keeps_contacts_out_of_the_deliveries_admin(world: DriverWorld, driver: User):
    route_in_state(world.route, "claimed", world.driver_profile)
    api_client_for(driver).get(f"/api/v1/routes/{world.route.pk}/")  # a reveal is logged
    client = page_client(User.objects.create_superuser("root", password="pw-root-12345"))

    for url in [
        "/admin/deliveries/route/",
        f"/admin/deliveries/route/{world.route.pk}/change/",
        "/admin/deliveries/contactreveal/",
        "/admin/deliveries/driver/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_secret(text_of(response))
