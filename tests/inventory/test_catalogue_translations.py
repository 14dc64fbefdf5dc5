"""Catalogue names in the families' languages: organizers enter a Spanish, Somali and Hmong
name for items and categories (catalogue page and API); families read them on the request
form, their status page and /needed/, with the original name where none is entered; the
API's `name` stays the original; drivers keep the original, the name on the shelves."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape
from django.utils.translation import override
from rest_framework.test import APIClient

from deliveries.demo_names import DEMO_NAMES
from deliveries.models import Route
from household_requests.models import HouseholdRequest
from household_requests.request_check import LineInput
from household_requests.status_links import status_path
from inventory.models import Category, Item, local_name_fields, local_name_of
from tests.conftest import api_client_for
from tests.deliveries.factories import make_driver, plan, route_in_state, zone_named
from tests.household_requests.factories import as_form, request_payload, submit
from tests.inventory.factories import CategoryFactory, ItemFactory, stocked_lot
from tests.inventory.pages import field_errors, page_client
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

RICE_SO = "Bariis, bac 5 lb ah"
BEANS_SO = "Digir pinto oo qasac ah"
SHELF_SO = "Cunto kaydsan"


@pytest.fixture
def shelf() -> Category:
    return CategoryFactory.create(name="Shelf-stable food", name_so=SHELF_SO)


@pytest.fixture
def rice(shelf: Category) -> Item:
    return ItemFactory.create(
        name="Rice, 5 lb bag",
        category=shelf,
        name_es="Arroz, bolsa de 5 lb",
        name_so=RICE_SO,
        name_hmn="Mov, hnab 5 phaus",
        max_per_household=4,
    )


@pytest.fixture
def oil(shelf: Category) -> Item:
    """Nobody has translated it yet."""
    return ItemFactory.create(name="Cooking oil, 48 oz", category=shelf, max_per_household=4)


def reading(language: str) -> Client:
    """A family's browser with the language chosen (the switcher's cookie)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def shows(body: str, text: str) -> bool:
    return text in body or escape(text) in body


# --- organizers enter them ------------------------------------------------------------------


def test_it_takes_an_items_names_on_the_catalogue_page(organizer: User, shelf: Category):
    response = page_client(organizer).post(
        "/inventory/catalogue/item/new/",
        {
            "name": "Canned pinto beans",
            "name_es": "Frijoles pintos en lata",
            "name_so": f"  {BEANS_SO} ",
            "name_hmn": "",
            "category": shelf.pk,
            "unit": "can",
            "target_on_hand": "10",
            "max_per_household": "4",
            "active": "on",
        },
        follow=True,
    )

    assert response.redirect_chain == [("/inventory/catalogue/", 302)]
    beans = Item.objects.get(name="Canned pinto beans")
    assert (beans.name_es, beans.name_so, beans.name_hmn) == (
        "Frijoles pintos en lata",
        BEANS_SO,
        "",
    )
    # The catalogue says which languages still lack a name.
    assert "<td>es, so</td>" in response.content.decode()


def test_it_takes_a_categorys_names_on_the_catalogue_page(organizer: User, shelf: Category):
    client = page_client(organizer)
    form = client.get(f"/inventory/catalogue/category/{shelf.pk}/").content.decode()
    assert 'name="name_so"' in form and f'value="{SHELF_SO}"' in form

    response = client.post(
        f"/inventory/catalogue/category/{shelf.pk}/",
        {"name": shelf.name, "name_so": SHELF_SO, "name_hmn": "Zaub mov", "sort_order": "1"},
    )

    assert response.status_code == 302
    shelf.refresh_from_db()
    assert (shelf.name, shelf.name_es, shelf.name_so, shelf.name_hmn) == (
        "Shelf-stable food",
        "",
        SHELF_SO,
        "Zaub mov",
    )


def test_it_refuses_a_name_another_item_has_in_that_language(organizer: User, rice: Item):
    client = page_client(organizer)
    data = {
        "name": "Rice, 10 lb bag",
        "category": rice.category_id,
        "unit": "bag",
        "target_on_hand": "1",
        "max_per_household": "1",
    }

    refused = client.post("/inventory/catalogue/item/new/", {**data, "name_so": RICE_SO.upper()})
    # The same words in another language are another label: accepted.
    accepted = client.post("/inventory/catalogue/item/new/", {**data, "name_hmn": RICE_SO})

    assert field_errors(refused, "id_name_so") == [
        "Rice, 5 lb bag already has this name in this language."
    ]
    assert accepted.status_code == 302
    assert Item.objects.get(name="Rice, 10 lb bag").name_hmn == RICE_SO
    # An item keeps its own name when saved again.
    again = client.post(
        f"/inventory/catalogue/item/{rice.pk}/",
        {**data, "name": rice.name, "name_so": RICE_SO, "max_per_household": "4"},
    )
    assert again.status_code == 302


def test_it_takes_names_through_the_api_and_keeps_name_the_original(
    organizer_api: APIClient, shelf: Category
):
    created = organizer_api.post(
        "/api/v1/items/",
        {"name": "Canned pinto beans", "category": shelf.pk, "unit": "can", "name_so": BEANS_SO},
        format="json",
        HTTP_ACCEPT_LANGUAGE="so",
    )
    changed = organizer_api.patch(
        f"/api/v1/items/{created.json()['id']}/",
        {"name_es": "Frijoles pintos en lata"},
        format="json",
    )
    beans = organizer_api.get(
        f"/api/v1/items/{created.json()['id']}/", HTTP_ACCEPT_LANGUAGE="so"
    ).json()
    category = organizer_api.get(f"/api/v1/categories/{shelf.pk}/", HTTP_ACCEPT_LANGUAGE="so")

    assert created.status_code == 201 and changed.status_code == 200
    assert beans["name"] == "Canned pinto beans"  # the contract's field, whatever the language
    assert (beans["name_es"], beans["name_so"], beans["name_hmn"]) == (
        "Frijoles pintos en lata",
        BEANS_SO,
        "",
    )
    assert category.json()["name"] == "Shelf-stable food"
    assert category.json()["name_so"] == SHELF_SO


def test_it_refuses_a_clashing_or_overlong_name_through_the_api(
    organizer_api: APIClient, rice: Item, shelf: Category
):
    clash = organizer_api.post(
        "/api/v1/items/",
        {"name": "Rice, 10 lb bag", "category": shelf.pk, "name_so": RICE_SO},
        format="json",
    )
    too_long = organizer_api.patch(
        f"/api/v1/categories/{shelf.pk}/", {"name_hmn": "x" * 121}, format="json"
    )
    category_clash = organizer_api.post(
        "/api/v1/categories/", {"name": "Pantry", "name_so": SHELF_SO}, format="json"
    )

    assert clash.status_code == 400
    assert clash.json() == {"name_so": ["Rice, 5 lb bag already has this name in this language."]}
    assert too_long.status_code == 400 and list(too_long.json()) == ["name_hmn"]
    assert category_clash.status_code == 400 and list(category_clash.json()) == ["name_so"]
    assert Item.objects.count() == 1 and Category.objects.count() == 1


def test_members_read_the_names_and_only_organizers_write_them(driver: User, rice: Item):
    api = api_client_for(driver)

    read = api.get(f"/api/v1/items/{rice.pk}/")
    write = api.patch(f"/api/v1/items/{rice.pk}/", {"name_so": "Bariis"}, format="json")

    assert read.json()["name_so"] == RICE_SO
    assert write.status_code == 403
    rice.refresh_from_db()
    assert rice.name_so == RICE_SO


def test_the_admin_edits_names_with_the_same_checks(admin_client: Client, rice: Item, oil: Item):
    page = admin_client.get(f"/admin/inventory/category/{rice.category_id}/change/")
    refused = admin_client.post(
        f"/admin/inventory/item/{oil.pk}/change/",
        {
            "name": oil.name,
            "name_so": RICE_SO,
            "category": oil.category_id,
            "unit": "each",
            "target_on_hand": "1",
            "max_per_household": "4",
        },
    )

    assert 'name="name_so"' in page.content.decode()
    assert refused.status_code == 200  # the form again, with the error
    assert shows(refused.content.decode(), "Rice, 5 lb bag already has this name")
    oil.refresh_from_db()
    assert oil.name_so == ""


# --- the fallback ---------------------------------------------------------------------------


def test_it_falls_back_to_the_original_name(rice: Item, oil: Item):
    row = Item.objects.values(*local_name_fields()).get(pk=oil.pk)

    for language, rice_name in [("so", RICE_SO), ("hmn", "Mov, hnab 5 phaus"), ("en", rice.name)]:
        with override(language):
            assert rice.local_name == rice_name
            assert oil.local_name == local_name_of(row) == "Cooking oil, 48 oz"
    with override("es-mx"):  # a regional variant reads its language's name
        assert rice.local_name == "Arroz, bolsa de 5 lb"


# --- families read them ---------------------------------------------------------------------


def test_the_somali_form_lists_somali_names_and_takes_a_request(rice: Item, oil: Item):
    zone_named()
    family = reading("so")

    body = family.get("/request/").content.decode()
    english = reading("en").get("/request/").content.decode()

    assert '<html lang="so">' in body
    assert shows(body, RICE_SO) and shows(body, SHELF_SO)
    assert not shows(body, rice.name) and not shows(body, "Shelf-stable food")
    assert shows(body, oil.name)  # not translated yet: the original
    assert shows(english, rice.name) and not shows(english, RICE_SO)

    sent = family.post("/request/", as_form(request_payload(rice, 2), reach="text"))

    assert sent.status_code in (302, 303) and "/request/status/" in sent["Location"]
    request = HouseholdRequest.objects.get()
    assert request.language == "so"
    assert [(line.item_id, line.quantity) for line in request.lines.all()] == [(rice.pk, 2)]


def test_the_form_shows_a_name_entered_since_it_was_last_drawn(organizer: User, rice: Item):
    family = reading("so")
    assert shows(family.get("/request/").content.decode(), RICE_SO)

    page_client(organizer).post(
        f"/inventory/catalogue/item/{rice.pk}/",
        {
            "name": rice.name,
            "name_so": "Bariis cusub",
            "category": rice.category_id,
            "unit": "each",
            "target_on_hand": "1",
            "max_per_household": "4",
            "active": "on",
        },
    )

    body = family.get("/request/").content.decode()
    assert shows(body, "Bariis cusub") and not shows(body, RICE_SO)


def test_two_categories_that_read_alike_stay_apart_on_the_form():
    # "Ilmo" is one category's Somali name and another's untranslated original.
    ItemFactory.create(name="Diapers", category=CategoryFactory.create(name="Baby", name_so="Ilmo"))
    ItemFactory.create(name="Toys", category=CategoryFactory.create(name="Ilmo"))

    body = reading("so").get("/request/").content.decode()

    assert body.count("<summary>Ilmo</summary>") == 2
    first, second = body.split("<summary>Ilmo</summary>")[1:]
    assert ("Diapers" in first) != ("Diapers" in second)


def test_the_status_page_and_needed_show_somali_names(rice: Item, shelf: Category):
    submitted = submit(
        language="so",
        lines=[LineInput(item=rice, quantity=2), LineInput(category=shelf, quantity=1)],
    )
    path = status_path(submitted.request.reference, submitted.status_secret)
    family = reading("so")

    status = family.get(path).content.decode()
    needed = family.get("/needed/").content.decode()
    needed_en = reading("en").get("/needed/").content.decode()

    assert shows(status, RICE_SO) and shows(status, SHELF_SO)
    assert not shows(status, rice.name)
    assert shows(needed, RICE_SO) and shows(needed, SHELF_SO)
    assert shows(needed_en, rice.name) and not shows(needed_en, RICE_SO)


def test_the_public_needs_api_keeps_name_and_adds_local_name(
    anonymous_api: APIClient, rice: Item, oil: Item
):
    submit(items=[(rice, 3), (oil, 1)])

    somali = anonymous_api.get("/api/v1/public/needs/", HTTP_ACCEPT_LANGUAGE="so").json()
    english = anonymous_api.get("/api/v1/public/needs/").json()

    assert [(n["item"], n["name"], n["local_name"], n["shortfall"]) for n in somali] == [
        (rice.pk, rice.name, RICE_SO, 3),
        (oil.pk, oil.name, oil.name, 1),
    ]
    assert [n["local_name"] for n in english] == [rice.name, oil.name]


def test_names_in_any_language_cost_no_query(rice: Item, oil: Item):
    submit(items=[(rice, 3), (oil, 1)])

    def reads(language: str) -> tuple[int, int]:
        client = reading(language)
        return (
            count_queries(lambda: client.get("/needed/")),
            count_queries(lambda: client.get("/api/v1/public/needs/")),
        )

    assert reads("so") == reads("en")
    # And more translated items read with the same queries.
    for n in range(3):
        item = ItemFactory.create(name_so=f"Shay {n}", name_es=f"Cosa {n}")
        submit(items=[(item, 1)])
    assert reads("so") == reads("en")


def test_a_name_is_shown_as_text_never_as_markup(shelf: Category):
    markup = '<img src=x onerror="alert(1)">Bariis'
    ItemFactory.create(name="Rice", category=shelf, name_so=markup)

    body = reading("so").get("/request/").content.decode()

    assert escape(markup) in body  # the name is on the page, as text
    assert markup not in body


# --- drivers keep the original --------------------------------------------------------------


def test_the_drivers_list_keeps_the_original_name(driver: User, rice: Item):
    stocked_lot(rice, quantity=10)
    submit(items=[(rice, 2)], language="so", postal_code="55407")
    plan()
    route = route_in_state(Route.objects.get(), "claimed", make_driver(driver, zone_named()))

    detail = api_client_for(driver).get(f"/api/v1/routes/{route.pk}/", HTTP_ACCEPT_LANGUAGE="so")

    assert detail.status_code == 200
    (stop,) = detail.json()["stops"]
    assert [item["name"] for item in stop["items"]] == [rice.name]


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_catalogue_ships_every_name_in_three_languages():
    call_command("seed_demo", verbosity=0)

    rows = [*Category.objects.all(), *Item.objects.all()]
    assert len(rows) == len(DEMO_NAMES)
    for row in rows:
        assert all((row.name_es, row.name_so, row.name_hmn)), row.name
        row.full_clean()  # no two items or categories share a name in one language
    with override("so"):
        assert Item.objects.get(name="Canned pinto beans").local_name == BEANS_SO
