"""Reports: every chart's numbers equal the data behind them, built through the real
services across weeks and a month's edge in the network's time zone (America/Chicago)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User

from deliveries.models import Route
from household_requests.desk import request_hand_over
from inventory import services as inventory_services
from inventory.models import Item
from tests.conftest import page_client
from tests.deliveries.factories import make_driver, plan, route_in_state
from tests.deliveries.helpers import assert_login_redirect, assert_no_secret, text_of
from tests.household_requests.factories import submit
from tests.household_requests.pickups import RICE, desk_volunteer, pickup
from tests.inventory.factories import ItemFactory, donate, stocked_lot
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
TODAY = dt.datetime(2026, 12, 9, 12, 0, tzinfo=CHICAGO)  # a Wednesday
REPORT_QUERIES = 8
DASH = "\N{EN DASH}"  # between a week's first and last day, as the table prints it


def at(month: int, day: int, hour: int, minute: int = 0) -> time_machine.travel:
    return time_machine.travel(
        dt.datetime(2026, month, day, hour, minute, tzinfo=CHICAGO), tick=False
    )


@dataclass
class Network:
    beans: Item  # target 20
    lentils: Item  # target 10
    references: list[str] = field(default_factory=list)


def delivered(driver: User, *, adults: int, children: int = 0, infants: int = 0) -> str:
    """A family's request delivered the same day through the driver's stop outcome. The
    item has no target, so only its donation (10 units) shows, not in the stock chart."""
    item = ItemFactory.create(target_on_hand=0)
    stocked_lot(item, quantity=10)
    request = submit(items=[(item, 2)], adults=adults, children=children, infants=infants).request
    plan()
    route = Route.objects.get(stops__request=request)
    route_in_state(route, "completed", make_driver(driver))
    return request.reference


@pytest.fixture
def network(driver: User) -> Iterator[Network]:
    """Week of Nov 16: 6 beans on Sunday Nov 22 at 7 pm, a donation voided, a delivery
    (10 units donated for it; 1 adult, 2 children, 1 infant). Week of Nov 23: nothing.
    Week of Nov 30: 7 beans on Monday Nov 30 at 8 pm (already Dec 1 in UTC), a delivery
    that night (10 units; 2 adults, 1 child), a pickup handed over on Dec 1 (5 units of rice;
    2 adults, 1 child), 4 lentils on Dec 2. Week of Dec 7: nothing. Today is Dec 9."""
    beans = ItemFactory.create(name="Beans", target_on_hand=20)
    lentils = ItemFactory.create(name="Lentils", target_on_hand=10)
    ItemFactory.create(name=RICE, target_on_hand=0, max_per_household=9)
    world = Network(beans, lentils)
    with at(11, 22, 19):  # a Sunday evening: already Monday in UTC
        donate((beans, 6))
    with at(11, 18, 11):
        mistake = donate((lentils, 100))
    with at(11, 18, 11, 5):
        inventory_services.donation_void(donation_id=mistake.pk, reason="typed 100 for 10")
    with at(11, 19, 14):
        world.references.append(delivered(driver, adults=1, children=2, infants=1))
    with at(11, 30, 20):
        donate((beans, 7))
    with at(11, 30, 21):
        world.references.append(delivered(driver, adults=2, children=1))
    with at(12, 1, 9):
        handed = pickup(stock=5, asked=3)
    with at(12, 1, 10, 30):
        request_hand_over(reference=handed.reference, user=desk_volunteer())
        world.references.append(handed.reference)
    with at(12, 2, 9):
        donate((lentils, 4))
    with time_machine.travel(TODAY, tick=False):
        yield world


class ChartReader(HTMLParser):
    """Each chart section's SVG bars (class, height) and table rows (label, numbers)."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: dict[str, list[tuple[str, float]]] = {}
        self.rows: dict[str, list[tuple[str, list[int]]]] = {}
        self.tops: dict[str, int] = {}
        self._chart = ""
        self._part = ""
        self._cells: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and (found.get("id") or "").startswith("chart-"):
            self._chart = (found["id"] or "").removeprefix("chart-")
            self.bars[self._chart], self.rows[self._chart] = [], []
        elif tag == "svg" and self._chart:
            self.tops[self._chart] = int(found["data-top"] or 0)
        elif tag == "rect" and self._chart:
            self.bars[self._chart].append((found["class"] or "", float(found["height"] or 0)))
        elif tag in ("tbody", "tfoot"):
            self._part = tag
        elif tag == "tr" and self._part == "tbody":
            self._cells = []
        elif tag in ("th", "td") and self._cells is not None:
            self._cells.append("")

    def handle_data(self, data: str) -> None:
        if self._cells:
            self._cells[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._cells is not None and self._chart:
            label, *numbers = (cell.strip() for cell in self._cells)
            self.rows[self._chart].append((label, [int(number) for number in numbers]))
            self._cells = None
        elif tag in ("tbody", "tfoot"):
            self._part = ""


def read_charts(client: object, path: str) -> ChartReader:
    response = client.get(path)  # type: ignore[attr-defined]
    assert response.status_code == 200
    reader = ChartReader()
    reader.feed(response.content.decode())
    return reader


def column(reader: ChartReader, chart: str, index: int) -> list[int]:
    return [numbers[index] for _label, numbers in reader.rows[chart]]


SERIES = {"donations": 1, "deliveries": 2, "served": 2, "stock": 1}


def assert_bars_match_table(reader: ChartReader) -> None:
    """Bars are drawn week by week, one per series (the table's first columns), each as
    tall as its number against the chart's top: the tallest is 100, zero draws nothing."""
    for chart, series in SERIES.items():
        numbers = [row[:series] for _label, row in reader.rows[chart]]
        values = [value for week in numbers for value in week]
        top = reader.tops[chart]
        heights = [height for _css, height in reader.bars[chart]]
        assert top == (100 if chart == "stock" else max(values))
        assert heights == pytest.approx([100 * value / top for value in values], abs=0.001)


def test_it_charts_the_last_weeks_from_the_data_behind_them(organizer: User, network: Network):
    reader = read_charts(page_client(organizer), "/reports/?weeks=4")

    weeks = [
        f"Nov 16{DASH}Nov 22",
        f"Nov 23{DASH}Nov 29",
        f"Nov 30{DASH}Dec 6",
        f"Dec 7{DASH}Dec 9",
    ]
    assert [label for label, _numbers in reader.rows["donations"]] == weeks
    # Units donated, donations: the voided donation is left out.
    assert reader.rows["donations"] == list(
        zip(weeks, [[16, 2], [0, 0], [26, 4], [0, 0]], strict=True)
    )
    # Delivered, picked up.
    assert column(reader, "deliveries", 0) == [1, 0, 1, 0]
    assert column(reader, "deliveries", 1) == [0, 0, 1, 0]
    # Households, people, adults, children, infants.
    assert [row for _label, row in reader.rows["served"]] == [
        [1, 4, 1, 2, 1],
        [0, 0, 0, 0, 0],
        [2, 6, 4, 2, 0],
        [0, 0, 0, 0, 0],
    ]
    # % met (beans 6 of 20, then 13 of 20 and lentils 4 of 10), units, target, below.
    assert [row for _label, row in reader.rows["stock"]] == [
        [20, 6, 30, 2],
        [20, 6, 30, 2],
        [57, 17, 30, 2],
        [57, 17, 30, 2],
    ]
    assert_bars_match_table(reader)


def test_it_counts_a_month_in_the_networks_time_zone(organizer: User, network: Network):
    client = page_client(organizer)
    november = read_charts(client, "/reports/month/2026-11/")
    december = read_charts(client, "/reports/month/2026-12/")

    # The beans of Nov 30 at 8 pm (Dec 1 in UTC) and that night's delivery are November's.
    assert [label for label, _row in november.rows["donations"]][-2:] == [
        f"Nov 23{DASH}Nov 29",
        f"Nov 30{DASH}Nov 30",
    ]
    assert column(november, "donations", 0) == [0, 0, 0, 16, 0, 17]
    assert column(november, "served", 0) == [0, 0, 0, 1, 0, 1]
    assert column(november, "stock", 0)[-1] == 43  # beans 13 of 20, lentils 0 of 10
    assert december.rows["donations"][0][0] == f"Dec 1{DASH}Dec 6"
    assert column(december, "donations", 0)[0] == 9
    assert column(december, "deliveries", 1)[0] == 1
    assert column(december, "served", 1)[0] == 3
    assert_bars_match_table(november)
    assert_bars_match_table(december)

    text = text_of(client.get("/reports/month/2026-11/"))
    assert "Units donated</dt><dd>33</dd>" in text.replace("\n", "").replace("  ", "")
    totals = text.replace(" ", "").replace("\n", "")
    for label, number in (("Donationsreceived", 4), ("Householdsserved", 2), ("Peopleserved", 7)):
        assert f"{label}</dt><dd>{number}</dd>" in totals


def test_a_report_shows_nothing_personal(organizer: User, network: Network):
    client = page_client(organizer)
    pages = [text_of(client.get(path)) for path in ("/reports/", "/reports/month/2026-11/")]
    route = Route.objects.get(stops__request__reference=network.references[0])
    route_page = text_of(client.get(f"/deliveries/routes/{route.pk}/"))

    assert network.references[0] in route_page  # the method finds a reference where it is
    for page in pages:
        assert [reference in page for reference in network.references] == [False] * 3
        assert_no_secret(page)


def test_it_shows_a_report_to_organizers_only(
    organizer: User, driver: User, member_without_role: User
):
    desk = desk_volunteer()
    with time_machine.travel(TODAY, tick=False):
        for path in ("/reports/", "/reports/month/2026-11/"):
            assert page_client(organizer).get(path).status_code == 200
            for outsider in (driver, desk, member_without_role):
                assert page_client(outsider).get(path).status_code == 403
            assert_login_redirect(page_client(None).get(path))
        for missing in ("/reports/month/2026-13/", "/reports/month/2027-01/"):
            assert page_client(organizer).get(missing).status_code == 404


def test_it_reads_a_report_in_a_fixed_number_of_queries(
    organizer: User, driver: User, network: Network
):
    client = page_client(organizer)
    few = count_queries(lambda: client.get("/reports/?weeks=12"))
    with at(12, 8, 10):
        donate((network.beans, 3), (network.lentils, 2))
        delivered(driver, adults=3)
        donate((ItemFactory.create(target_on_hand=5), 1))
    many = count_queries(lambda: client.get("/reports/?weeks=12"))

    assert column(read_charts(client, "/reports/?weeks=12"), "served", 0)[-1] == 1
    assert (few, many) == (REPORT_QUERIES, REPORT_QUERIES)
