"""Reports for organizers: the network week by week, for meetings and grants.

Counts only, grouped in the database by week in the network's time zone (five queries,
however many rows): donations in, requests delivered or picked up, households and people
served, and stock against the catalogue's targets. Nothing personal is read: no name, no
address, no reference code. Each chart is drawn on the server as SVG bars whose heights are
proportional to the numbers in the table beside it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from household_requests.models import HouseholdRequest, RequestStatus
from household_requests.request_rules import Fulfilment
from inventory.models import DonationLine, Item, StockMovement
from mutualaid.timeutil import local_today, organization_tz

DEFAULT_WEEKS = 12
MAX_WEEKS = 52

# SVG geometry, in viewBox units: each week is a slot of SLOT wide, bars are at most PLOT tall.
SLOT = 24
PLOT = 100
LABEL_BAND = 14


@dataclass(frozen=True)
class Week:
    """The days of one week that the report counts (clipped to a month's report)."""

    monday: dt.date
    first: dt.date
    last: dt.date


@dataclass(frozen=True)
class Series:
    css: str  # a class of static/css/deliveries.css that colours the bars
    label: StrOrPromise
    values: list[int]


@dataclass(frozen=True)
class BarShape:
    css: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    slug: str
    title: StrOrPromise
    weeks: list[Week]
    series: list[Series]  # the bars drawn, one per week each
    columns: list[StrOrPromise]  # the table's number columns (the series first)
    table: list[list[int]]  # per week, one number per column
    top: int  # the value drawn PLOT tall (the largest, or 100 for a percentage)
    target_line: bool = False

    @property
    def width(self) -> int:
        return SLOT * max(len(self.weeks), 1)

    @property
    def height(self) -> int:
        return PLOT + LABEL_BAND

    @property
    def label_y(self) -> int:
        return PLOT + LABEL_BAND - 3

    @property
    def bars(self) -> list[BarShape]:
        """One rectangle per series per week, its height proportional to its value."""
        top = self.top or 1
        width = (SLOT - 4) / max(len(self.series), 1)
        shapes = []
        for index in range(len(self.weeks)):
            for position, series in enumerate(self.series):
                value = series.values[index]
                height = round(PLOT * value / top, 3)
                shapes.append(
                    BarShape(
                        series.css,
                        value,
                        x=round(index * SLOT + 2 + position * width, 3),
                        y=round(PLOT - height, 3),
                        width=round(width, 3),
                        height=height,
                    )
                )
        return shapes

    @property
    def week_labels(self) -> list[tuple[float, dt.date]]:
        return [(index * SLOT + SLOT / 2, week.first) for index, week in enumerate(self.weeks)]

    @property
    def rows(self) -> list[tuple[Week, list[int]]]:
        return list(zip(self.weeks, self.table, strict=True))

    @property
    def totals(self) -> list[int]:
        return [sum(column) for column in zip(*self.table, strict=True)] if self.table else []


@dataclass(frozen=True)
class Totals:
    donations: int
    units_donated: int
    deliveries: int
    pickups: int
    households: int
    adults: int
    children: int
    infants: int
    people: int
    units_on_hand: int  # of items with a target, at the end of the period
    target_units: int
    items_below_target: int
    percent_of_target: int


@dataclass(frozen=True)
class Report:
    first: dt.date
    last: dt.date
    charts: list[Chart]
    totals: Totals


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=organization_tz())


def _weeks(first: dt.date, end: dt.date) -> list[Week]:
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while monday < end:
        last = min(monday + dt.timedelta(days=6), end - dt.timedelta(days=1))
        weeks.append(Week(monday, max(monday, first), last))
        monday += dt.timedelta(days=7)
    return weeks


def _monday(value: dt.datetime) -> dt.date:
    return value.astimezone(organization_tz()).date()


def _donations(first: dt.date, end: dt.date) -> dict[dt.date, tuple[int, int]]:
    """Per week: (donations, units) of the donations received, voided ones left out."""
    rows = (
        DonationLine.objects.filter(
            donation__voided_at__isnull=True,
            donation__received_at__gte=_start_of(first),
            donation__received_at__lt=_start_of(end),
        )
        .annotate(week=TruncWeek("donation__received_at", tzinfo=organization_tz()))
        .values("week")
        .annotate(donations=Count("donation", distinct=True), units=Sum("quantity"))
        .order_by()
    )
    return {_monday(row["week"]): (row["donations"], row["units"]) for row in rows}


def _served(first: dt.date, end: dt.date) -> dict[tuple[dt.date, str], dict[str, int]]:
    """Per week and fulfilment: requests delivered (or picked up) and the people in them."""
    rows = (
        HouseholdRequest.objects.filter(
            status=RequestStatus.DELIVERED,
            finished_at__gte=_start_of(first),
            finished_at__lt=_start_of(end),
        )
        .annotate(week=TruncWeek("finished_at", tzinfo=organization_tz()))
        .values("week", "fulfilment")
        .annotate(
            households=Count("pk"),
            adults=Sum("adults"),
            children=Sum("children"),
            infants=Sum("infants"),
        )
        .order_by()
    )
    return {
        (_monday(row["week"]), row["fulfilment"]): {
            "households": row["households"],
            "adults": row["adults"] or 0,
            "children": row["children"] or 0,
            "infants": row["infants"] or 0,
        }
        for row in rows
    }


@dataclass(frozen=True)
class StockWeek:
    units: int
    target: int
    below: int
    percent: int  # of the targets met, each item counted up to its target


def _stock(weeks: list[Week], first: dt.date, end: dt.date) -> list[StockWeek]:
    """Units on hand at each week's end (from the ledger) of the items with a target,
    against today's targets."""
    targets = dict(
        Item.objects.filter(active=True, target_on_hand__gt=0).values_list("pk", "target_on_hand")
    )
    counted = StockMovement.objects.filter(lot__item__active=True, lot__item__target_on_hand__gt=0)
    on_hand: defaultdict[int, int] = defaultdict(
        int,
        counted.filter(created_at__lt=_start_of(first))
        .values("lot__item")
        .annotate(units=Sum("on_hand_delta"))
        .order_by()
        .values_list("lot__item", "units"),
    )
    changes: defaultdict[dt.date, list[tuple[int, int]]] = defaultdict(list)
    for item_id, week, units in (
        counted.filter(created_at__gte=_start_of(first), created_at__lt=_start_of(end))
        .annotate(week=TruncWeek("created_at", tzinfo=organization_tz()))
        .values("lot__item", "week")
        .annotate(units=Sum("on_hand_delta"))
        .order_by()
        .values_list("lot__item", "week", "units")
    ):
        changes[_monday(week)].append((item_id, units))
    total_target = sum(targets.values())
    result = []
    for week in weeks:
        for item_id, units in changes[week.monday]:
            on_hand[item_id] += units
        stock = {item_id: max(on_hand[item_id], 0) for item_id in targets}
        met = sum(min(stock[item_id], target) for item_id, target in targets.items())
        result.append(
            StockWeek(
                units=sum(stock.values()),
                target=total_target,
                below=sum(1 for item_id, target in targets.items() if stock[item_id] < target),
                percent=round(100 * met / total_target) if total_target else 0,
            )
        )
    return result


def report(first: dt.date, end: dt.date) -> Report:
    """The network from `first` up to (not including) `end`, local days, week by week."""
    weeks = _weeks(first, end)
    donations = _donations(first, end)
    served = _served(first, end)
    stock = _stock(weeks, first, end)

    def served_in(week: Week, fulfilment: str, key: str) -> int:
        return served.get((week.monday, fulfilment), {}).get(key, 0)

    def both(week: Week, key: str) -> int:
        return sum(served_in(week, way, key) for way in Fulfilment.values)

    donated = [donations.get(week.monday, (0, 0)) for week in weeks]
    units = [units for _count, units in donated]
    deliveries = [served_in(week, Fulfilment.DELIVERY, "households") for week in weeks]
    pickups = [served_in(week, Fulfilment.PICKUP, "households") for week in weeks]
    households = [both(week, "households") for week in weeks]
    sizes = [[both(week, key) for key in ("adults", "children", "infants")] for week in weeks]
    people = [sum(size) for size in sizes]
    percents = [row.percent for row in stock]

    charts = [
        Chart(
            "donations",
            _("Donations in"),
            weeks,
            [Series("units", _("Units donated"), units)],
            [_("Units donated"), _("Donations")],
            [[units, count] for count, units in donated],
            max(units, default=0),
        ),
        Chart(
            "deliveries",
            _("Deliveries and pickups"),
            weeks,
            [
                Series("delivery", _("Delivered"), deliveries),
                Series("pickup", _("Picked up"), pickups),
            ],
            [_("Delivered"), _("Picked up")],
            [[d, p] for d, p in zip(deliveries, pickups, strict=True)],
            max(deliveries + pickups, default=0),
        ),
        Chart(
            "served",
            _("Households and people served"),
            weeks,
            [
                Series("households", _("Households"), households),
                Series("people", _("People"), people),
            ],
            [_("Households"), _("People"), _("Adults"), _("Children"), _("Infants")],
            [[h, p, *size] for h, p, size in zip(households, people, sizes, strict=True)],
            max(households + people, default=0),
        ),
        Chart(
            "stock",
            _("Stock against target"),
            weeks,
            [Series("stock", _("Target met (percent)"), percents)],
            [
                _("Target met (percent)"),
                _("Units on hand"),
                _("Target units"),
                _("Items below target"),
            ],
            [[row.percent, row.units, row.target, row.below] for row in stock],
            100,
            target_line=True,
        ),
    ]
    closing = stock[-1] if stock else StockWeek(0, 0, 0, 0)
    adults, children, infants = (sum(size[key] for size in sizes) for key in range(3))
    totals = Totals(
        donations=sum(count for count, _units in donated),
        units_donated=sum(units),
        deliveries=sum(deliveries),
        pickups=sum(pickups),
        households=sum(households),
        adults=adults,
        children=children,
        infants=infants,
        people=sum(people),
        units_on_hand=closing.units,
        target_units=closing.target,
        items_below_target=closing.below,
        percent_of_target=closing.percent,
    )
    return Report(first=first, last=end - dt.timedelta(days=1), charts=charts, totals=totals)


def recent_weeks(weeks: int = DEFAULT_WEEKS) -> Report:
    """The last `weeks` weeks, this one (so far) included."""
    today = local_today()
    monday = today - dt.timedelta(days=today.weekday())
    return report(monday - dt.timedelta(weeks=weeks - 1), today + dt.timedelta(days=1))


def month_report(year: int, month: int) -> Report:
    """One calendar month in the network's time zone; a week across the month's edge counts
    only its days inside the month, so the weeks add up to the month's totals."""
    first = dt.date(year, month, 1)
    end = dt.date(year + month // 12, month % 12 + 1, 1)
    return report(first, end)


def recent_months(count: int = 12) -> list[dt.date]:
    """The first days of this month and the `count - 1` before it, newest first."""
    day = local_today().replace(day=1)
    months = []
    for _index in range(count):
        months.append(day)
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return months
