"""Import from a network's spreadsheets: the shipped sample files import whole, through the
services (lots and ledger rows, unvetted drivers with working invite links); a file with one
bad row saves nothing and names that row; a file past the bound is refused; organizers only."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from deliveries import imports
from deliveries.models import Driver
from inventory.models import Category, Donation, Item, Location, StockLot, StockMovement
from mutualaid.models import AccessLink, MemberEvent
from tests.conftest import page_client
from tests.household_requests.factories import make_zone
from tests.inventory.books import assert_books_balance

pytestmark = pytest.mark.django_db

SAMPLES = Path(settings.BASE_DIR) / "docs" / "import"
KINDS = ("catalogue", "locations", "stock", "drivers")


def _sample(kind: str) -> bytes:
    return (SAMPLES / f"sample_{kind}.csv").read_bytes()


def _sample_rows(kind: str) -> int:
    return len(_sample(kind).decode().strip().splitlines()) - 1


def _preview(client: Client, kind: str, data: bytes) -> Any:
    upload = SimpleUploadedFile(f"{kind}.csv", data, content_type="text/csv")
    return client.post("/import/", {"kind": kind, "file": upload})


def _confirm(client: Client, response: Any) -> Any:
    """Press "Import these rows" on a preview: post back its hidden fields."""
    confirm = response.context["confirm"]
    return client.post("/import/confirm/", dict(confirm.initial))


def _import(client: Client, kind: str, data: bytes | None = None) -> Any:
    preview = _preview(client, kind, _sample(kind) if data is None else data)
    assert preview.status_code == 200, preview.content.decode()[:2000]
    return _confirm(client, preview)


def _page_text(response: Any) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def _zones() -> None:
    make_zone("Phillips", ("55407",))
    make_zone("Powderhorn", ("55408",))


def test_it_imports_every_sample_file_through_the_services(organizer: User):
    _zones()
    client = page_client(organizer)

    catalogue = _import(client, "catalogue")
    assert catalogue.status_code == 200
    assert Item.objects.count() == _sample_rows("catalogue") == 12
    assert Category.objects.count() == 5
    beans = Item.objects.get(name="Black beans")
    assert (beans.unit, beans.target_on_hand, beans.max_per_household) == ("can", 60, 4)
    assert beans.diet_tags == ["halal", "vegetarian", "gluten_free"]
    assert beans.name_es == "Frijoles negros"
    assert Item.objects.get(name="Eggs").perishable
    assert Item.objects.get(name="Soap").diet_tags == ["not_food"]

    _import(client, "locations")
    assert Location.objects.count() == _sample_rows("locations") == 3
    church = Location.objects.get(name="Corner church pantry")
    assert (church.address, church.opening_hours, church.public_pickup) == (
        "2200 Bloomington Ave",
        "Tue and Thu 4-7 pm",
        True,
    )
    assert not Location.objects.get(name="Maria's garage").public_pickup

    stock = _import(client, "stock")
    assert "9 stock lots received" in _page_text(stock)
    assert StockLot.objects.count() == _sample_rows("stock") == 9
    # One donation per location, each lot received through the ledger.
    assert Donation.objects.count() == 3
    assert set(Donation.objects.values_list("donor", flat=True)) == {imports.OPENING_STOCK_DONOR}
    received = StockMovement.objects.filter(kind=StockMovement.Kind.RECEIVED)
    assert received.count() == 9
    assert {row.actor_id for row in received} == {organizer.pk}
    rice = StockLot.objects.get(item__name="Rice")
    assert (rice.on_hand, rice.location, rice.expires_on) == (35, church, None)
    assert_books_balance()

    drivers = _import(client, "drivers")
    names = ["ana.drives", "tomas_r", "hodan"]
    assert Driver.objects.count() == 3
    assert not Driver.objects.filter(vetted=True).exists()
    tomas = Driver.objects.get(user__username="tomas_r")
    assert sorted(tomas.zones.values_list("name", flat=True)) == ["Phillips", "Powderhorn"]
    # No mail configured in tests: each new driver's one-time link is on the page, once.
    links = re.findall(r"http://testserver/accounts/welcome/[^/<\s]+/", drivers.content.decode())
    assert len(links) == 3 and AccessLink.objects.count() == 3
    for name in names:
        assert name in _page_text(drivers)
    # A link works: the driver sets a password with it.
    welcome = Client()
    welcome.get(links[0].removeprefix("http://testserver"), follow=True)
    welcome.post(
        "/accounts/welcome/set-password/",
        {"new_password1": "a long new passphrase 42", "new_password2": "a long new passphrase 42"},
    )
    assert User.objects.get(username="ana.drives").check_password("a long new passphrase 42")


def test_it_emails_the_links_when_mail_is_configured(organizer: User, settings: Any):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _zones()
    data = b"Username,Email,Zones\nhodan,hodan@example.org,Powderhorn\nfarah,,Phillips\n"
    result = _import(page_client(organizer), "drivers", data)
    text = _page_text(result)
    assert "emailed to hodan@example.org" in text
    assert [message.to for message in mail.outbox] == [["hodan@example.org"]]
    # The one without an address gets the link on the page.
    assert len(re.findall(r"/accounts/welcome/[^/<\s]+/", result.content.decode())) == 1


def test_it_saves_nothing_when_one_row_is_bad_and_names_that_row(organizer: User):
    client = page_client(organizer)
    _import(client, "catalogue")
    _import(client, "locations")
    rows = _sample("stock").decode().splitlines()
    rows[7] = "Cans of soup,Corner church pantry,12,2028-01-01,Ana"  # spreadsheet row 8
    before = (StockLot.objects.count(), StockMovement.objects.count(), Donation.objects.count())

    preview = _preview(client, "stock", "\n".join(rows).encode())

    assert preview.status_code == 400
    text = _page_text(preview)
    assert "row 8: unknown item “Cans of soup”: import it in the catalogue first" in text
    assert "1 row has a problem. Nothing was saved" in text
    assert "Import these rows" not in text  # no confirm button
    assert (StockLot.objects.count(), StockMovement.objects.count(), Donation.objects.count()) == (
        before
    )


def test_it_reports_each_bad_row_of_a_catalogue_and_keeps_the_good_ones_out(organizer: User):
    data = (
        b"Category,Item,Unit,Perishable?,Target on hand,Diet tags\n"
        b"Grains,Rice,bag,no,50,Halal\n"
        b"Grains,Oats,crate,no,10,\n"
        b"Grains,Rice,bag,no,5,\n"
        b"Fresh,Milk,litre,maybe,-3,Halal; Contains pork\n"
    )
    preview = _preview(page_client(organizer), "catalogue", data)
    assert preview.status_code == 400
    text = _page_text(preview)
    assert "row 3: unknown unit “crate”" in text
    assert "row 4: Item: Item with this Name already exists." in text
    assert "row 5: Perishable: write yes or no, not “maybe”." in text
    assert "row 5: Target on hand: “-3” is not a whole number" in text
    assert "row 2:" not in text
    assert Item.objects.count() == 0 and Category.objects.count() == 0


def test_it_checks_every_row_again_on_confirm(organizer: User):
    """Between the preview and the confirm someone adds an item of the same name: the
    confirm refuses that row and saves none of the others."""
    client = page_client(organizer)
    data = b"Category,Item\nGrains,Rice\nGrains,Oats\n"
    preview = _preview(client, "catalogue", data)
    assert preview.status_code == 200 and Item.objects.count() == 0
    grains = Category.objects.create(name="Dry goods")
    Item.objects.create(name="Oats", category=grains)

    again = _confirm(client, preview)

    assert again.status_code == 400
    assert "row 3: Item: Item with this Name already exists." in _page_text(again)
    assert list(Item.objects.values_list("name", flat=True)) == ["Oats"]


def test_it_refuses_a_file_past_the_bounds_with_a_message(organizer: User):
    client = page_client(organizer)
    header = "Category,Item\n"
    too_big = (header + "Grains,Rice\n" * (imports.MAX_IMPORT_BYTES // 12 + 1)).encode()
    assert len(too_big) > imports.MAX_IMPORT_BYTES
    response = _preview(client, "catalogue", too_big)
    assert response.status_code == 400
    assert "This file is larger than 256 KB. Split it into smaller files." in _page_text(response)

    too_long = (header + "".join(f"G,I{n}\n" for n in range(imports.MAX_IMPORT_ROWS + 1))).encode()
    assert len(too_long) < imports.MAX_IMPORT_BYTES
    response = _preview(client, "catalogue", too_long)
    assert response.status_code == 400
    assert "This file has more than 2000 rows." in _page_text(response)

    response = _preview(client, "catalogue", b"Name of thing,Count\nRice,3\n")
    assert "The header row has no column for: Category, Item." in _page_text(response)
    response = _preview(client, "catalogue", "Category,Item\nGranos,Arroz\n".encode("utf-16"))
    assert "This file is not in UTF-8." in _page_text(response)
    # The confirm step is bounded as well: a text past the bound is not read.
    refused = client.post("/import/confirm/", {"kind": "catalogue", "text": too_big.decode()})
    assert refused.status_code == 400
    assert Item.objects.count() == 0


def test_it_names_every_bad_stock_row_of_a_location(organizer: User):
    """The donation service stops at a location's first bad line; the preview still lists
    each one, and saves none of the location's good rows."""
    client = page_client(organizer)
    _import(client, "catalogue")
    _import(client, "locations")
    data = (
        b"Item,Location,Quantity,Expiry date\n"
        b"Rice,Corner church pantry,5,2020-01-01\n"
        b"Tuna,Corner church pantry,5,\n"
        b"Apples,Corner church pantry,3,\n"
        b"Pasta,Corner church pantry,0,\n"
    )
    text = _page_text(_preview(client, "stock", data))
    assert "row 2: This expiry date has already passed." in text
    assert "row 3:" not in text
    assert "row 4: Perishable items need an expiry date." in text
    assert "row 5: Quantity must be at least 1." in text
    assert StockLot.objects.count() == 0


def test_it_refuses_an_upload_by_its_declared_length_and_still_checks_csrf(organizer: User):
    client = page_client(organizer)
    huge = client.post(
        "/import/",
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(10 * 1024 * 1024),
    )
    assert huge.status_code == 400
    assert "This file is larger than 256 KB." in _page_text(huge)
    # The upload is exempt from the middleware's CSRF check only to check the length first.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(organizer)
    upload = SimpleUploadedFile("c.csv", _sample("catalogue"), content_type="text/csv")
    assert strict.post("/import/", {"kind": "catalogue", "file": upload}).status_code == 403
    page = strict.get("/import/")
    token = page.cookies["csrftoken"].value
    upload = SimpleUploadedFile("c.csv", _sample("catalogue"), content_type="text/csv")
    data = {"kind": "catalogue", "file": upload, "csrfmiddlewaretoken": token}
    assert strict.post("/import/", data).status_code == 200
    assert Item.objects.count() == 0  # a preview saves nothing


def test_it_invites_no_driver_when_one_driver_row_is_bad(organizer: User, driver: User):
    _zones()
    users_before = User.objects.count()
    data = (
        "Username,Email,Zones\n"
        "hodan,,Powderhorn\n"
        "farah,,Atlantis\n"
        f"{driver.username.upper()},,Phillips\n"
        "bad name!,not-an-address,\n"
    ).encode()
    text = _page_text(_preview(page_client(organizer), "drivers", data))
    assert "row 2:" not in text
    assert "row 3: No zone named Atlantis." in text
    assert "row 4: Someone already has this username." in text
    assert "row 5: username “bad name!”: use letters, digits and @ . + - _ only" in text
    assert "row 5: email “not-an-address” is not an email address." in text
    assert User.objects.count() == users_before
    assert not AccessLink.objects.exists() and not MemberEvent.objects.exists()


def test_it_reads_a_sheet_with_a_byte_order_mark_and_semicolons(organizer: User):
    data = "\ufeffCATEGORY;Item name;Units\nPanadería;Pan dulce;packs\n".encode()
    _import(page_client(organizer), "catalogue", data)
    bread = Item.objects.get()
    assert (bread.name, bread.category.name, bread.unit) == ("Pan dulce", "Panadería", "pack")


@pytest.mark.parametrize("path", ["/import/", "/import/samples/catalogue.csv"])
def test_it_shows_the_import_pages_to_organizers_only(
    path: str, organizer: User, driver: User
) -> None:
    assert page_client(organizer).get(path).status_code == 200
    assert page_client(driver).get(path).status_code == 403
    anonymous = page_client(None).get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_it_refuses_the_import_posts_to_anyone_but_organizers(driver: User):
    data = _sample("catalogue")
    for user in (driver, None):
        client = page_client(user)
        upload = SimpleUploadedFile("c.csv", data, content_type="text/csv")
        assert client.post("/import/", {"kind": "catalogue", "file": upload}).status_code in {
            302,
            403,
        }
        confirm = client.post("/import/confirm/", {"kind": "catalogue", "text": data.decode()})
        assert confirm.status_code in {302, 403}
    assert Item.objects.count() == 0


def test_it_links_every_sample_file_from_the_import_page(organizer: User):
    client = page_client(organizer)
    page = client.get("/import/").content.decode()
    for kind in KINDS:
        assert f'href="/import/samples/{kind}.csv"' in page
        sample = client.get(f"/import/samples/{kind}.csv")
        assert b"".join(sample.streaming_content) == _sample(kind)  # type: ignore[attr-defined]
    assert client.get("/import/samples/secrets.csv").status_code == 404


def test_a_second_import_of_the_same_stock_file_saves_nothing_twice(organizer: User):
    _zones()
    client = page_client(organizer)
    _import(client, "catalogue")
    _import(client, "locations")
    preview = _preview(client, "stock", _sample("stock"))

    first = _confirm(client, preview)
    again = _confirm(client, preview)  # a double click, or the answer reloaded

    assert first.status_code == 200 and StockLot.objects.count() == 9
    assert again.status_code == 409
    assert "already imported" in _page_text(again)
    assert StockLot.objects.count() == 9 and Donation.objects.count() == 3
    assert_books_balance()
