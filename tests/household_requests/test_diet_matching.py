"""Diet-aware matching: the rule table, and an allocator that never breaks a household's needs.

Run on SQLite by default and on PostgreSQL with DATABASE_URL: nothing here depends on the
database but the rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deliveries.demo import CATALOGUE, DEMO_DIET_TAGS
from household_requests import allocation, services
from household_requests.models import Allocation, HouseholdRequest, RequestLine, RequestStatus
from household_requests.request_rules import DIETARY_CHOICES
from household_requests.services import LineInput
from inventory.diet import NEED_RULES, DietTag, NeedKind, item_suits, read_diet_tags
from inventory.models import Category, Item, StockLot
from inventory.selectors import ledger_mismatches
from mutualaid.timeutil import local_today
from tests.household_requests.factories import contact, make_zone
from tests.inventory.factories import CategoryFactory, ItemFactory, donate
from tests.querycount import count_queries

NEEDS = [code for code, _label in DIETARY_CHOICES]
TAGS = list(DietTag.values)

# The rule table as the issue states it, written out apart from inventory/diet.py: a need
# either must find its tag on the item, or must not find any of its tags there.
MUST_BE_TAGGED = {
    "halal": "halal",
    "vegetarian": "vegetarian",
    "diabetic": "diabetic_friendly",
    "gluten_free": "gluten_free",
    "nut_allergy": "nut_free",
}
MUST_NOT_BE_TAGGED = {
    "halal": {"pork"},
    "no_pork": {"pork"},
    "vegetarian": {"pork"},
    "gluten_free": {"gluten"},
    "lactose_free": {"milk"},
    "nut_allergy": {"nuts"},
}


def expected_suits(needs: list[str], tags: set[str]) -> bool:
    if tags == {"not_food"}:
        return True
    return all(
        (need not in MUST_BE_TAGGED or MUST_BE_TAGGED[need] in tags)
        and not (MUST_NOT_BE_TAGGED.get(need, set()) & tags)
        for need in needs
    )


# The rules, without a database -----------------------------------------------------------


def test_it_has_one_rule_for_each_need_the_form_offers():
    assert set(NEED_RULES) == set(NEEDS)
    kinds = {need: rule.kind for need, rule in NEED_RULES.items()}
    assert kinds == {
        "halal": NeedKind.MUST_BE_TAGGED,
        "no_pork": NeedKind.MUST_NOT_BE_TAGGED,
        "vegetarian": NeedKind.MUST_BE_TAGGED,
        "diabetic": NeedKind.MUST_BE_TAGGED,
        "gluten_free": NeedKind.MUST_BE_TAGGED,
        "lactose_free": NeedKind.MUST_NOT_BE_TAGGED,
        "nut_allergy": NeedKind.MUST_BE_TAGGED,
    }


@given(
    needs=st.lists(st.sampled_from(NEEDS), max_size=4),
    tags=st.sets(st.sampled_from(TAGS), max_size=5),
)
def test_it_decides_each_item_as_the_rule_table_says(needs: list[str], tags: set[str]):
    assert item_suits(needs, tags) == expected_suits(needs, tags)


def test_it_treats_an_untagged_item_conservatively():
    must_be_tagged = [n for n, rule in NEED_RULES.items() if rule.kind == NeedKind.MUST_BE_TAGGED]
    assert must_be_tagged  # the check below looks at something
    for need in must_be_tagged:
        assert not item_suits([need], [])
    assert item_suits(["no_pork", "lactose_free"], [])
    assert item_suits([], [])
    assert item_suits(NEEDS, ["not_food"])
    # A need stored before its rule was removed lets nothing that is food through.
    assert not item_suits(["kosher"], [DietTag.HALAL, DietTag.VEGETARIAN])
    assert item_suits(["kosher"], [DietTag.NOT_FOOD])


def test_it_refuses_tags_that_contradict_each_other():
    for tags in (["halal", "pork"], ["nut_free", "nuts"], ["not_food", "vegetarian"]):
        with pytest.raises(ValidationError):
            read_diet_tags(tags)
    assert read_diet_tags(["nut_free", "halal", "halal"]) == ["halal", "nut_free"]


def test_the_demo_catalogue_tags_are_valid_and_name_demo_items():
    names = {entry[0] for _category, entries in CATALOGUE for entry in entries}
    assert set(DEMO_DIET_TAGS) <= names
    for tags in DEMO_DIET_TAGS.values():
        assert read_diet_tags(tags) == sorted(tags, key=TAGS.index)
    shelf = dict(CATALOGUE)["Shelf-stable food"]
    shelf_names = {entry[0] for entry in shelf}
    assert "pork" in DEMO_DIET_TAGS["Canned pork and beans"]
    assert "halal" in DEMO_DIET_TAGS["Canned chicken, halal"]
    assert {"Canned pork and beans", "Canned chicken, halal"} <= shelf_names


# The allocator -----------------------------------------------------------------------


def _lot(item: Item, quantity: int, days: int | None = None) -> StockLot:
    expires = None if days is None else local_today() + dt.timedelta(days=days)
    donation = donate((item, quantity, expires))
    return StockLot.objects.get(donation_line__donation=donation)


def _ask(needs: list[str], *lines: LineInput) -> HouseholdRequest:
    return services.request_submit(
        data=services.RequestInput(
            postal_code="55407", contact=contact(), lines=list(lines), dietary_needs=needs
        )
    ).request


def _given(request: HouseholdRequest) -> dict[int, int]:
    """Units set aside for this request, per item."""
    given: dict[int, int] = defaultdict(int)
    for item_id, quantity in Allocation.objects.filter(line__request=request).values_list(
        "lot__item_id", "quantity"
    ):
        given[item_id] += quantity
    return dict(given)


@pytest.fixture
def canned(db: None) -> tuple[Category, Item, Item]:
    """One category holding a pork item and a halal item; the pork expires first, so an
    allocator blind to diets would hand it out first."""
    make_zone()
    category = CategoryFactory.create(name="Canned meat")
    pork = ItemFactory.create(name="Pork and beans", category=category, diet_tags=["pork"])
    halal = ItemFactory.create(name="Halal chicken", category=category, diet_tags=["halal"])
    _lot(pork, 10, days=20)
    _lot(halal, 10, days=200)
    return category, pork, halal


def test_a_halal_household_gets_the_halal_item_and_never_the_pork_one(canned):
    category, pork, halal = canned
    no_needs = _ask([], LineInput(category=category, quantity=2))
    halal_home = _ask(["halal"], LineInput(category=category, quantity=3))
    no_pork_home = _ask(["no_pork"], LineInput(category=category, quantity=3))

    allocation.allocate_open_requests()

    # Positive control: without needs the earlier-expiring pork item is taken first.
    assert _given(no_needs) == {pork.pk: 2}
    assert _given(halal_home) == {halal.pk: 3}
    assert _given(no_pork_home) == {halal.pk: 3}
    assert ledger_mismatches() == []


def test_a_halal_household_stays_short_rather_than_get_pork(canned):
    category, pork, halal = canned
    halal_home = _ask(["halal"], LineInput(category=category, quantity=14))

    allocation.allocate_open_requests()

    assert _given(halal_home) == {halal.pk: 10}
    assert RequestLine.objects.get(request=halal_home).allocated == 10  # 4 still short
    assert StockLot.objects.get(item=pork).reserved == 0


def test_a_line_naming_an_item_that_breaks_the_needs_is_left_unmatched(canned):
    _category, pork, halal = canned
    asked_pork = _ask(["no_pork"], LineInput(item=pork, quantity=2))
    asked_both = _ask(
        ["halal"], LineInput(item=pork, quantity=2), LineInput(item=halal, quantity=1)
    )

    allocation.allocate_open_requests()

    # Never swapped for another item: the pork line stays open with nothing set aside.
    assert _given(asked_pork) == {}
    assert HouseholdRequest.objects.get(pk=asked_pork.pk).status == RequestStatus.SUBMITTED
    assert _given(asked_both) == {halal.pk: 1}
    lines = dict(RequestLine.objects.filter(request=asked_both).values_list("item_id", "allocated"))
    assert lines == {pork.pk: 0, halal.pk: 1}
    assert StockLot.objects.get(item=pork).reserved == 0


def test_it_reads_diets_without_more_queries_for_more_requests(canned):
    category, pork, halal = canned
    items = [pork, halal, *(ItemFactory.create(diet_tags=["not_food"]) for _ in range(2))]
    for item in items[2:]:
        _lot(item, 500)

    def queries(requests: int) -> int:
        for n in range(requests):
            _ask(
                [NEEDS[n % len(NEEDS)]],
                LineInput(category=category, quantity=1),
                LineInput(item=items[n % len(items)], quantity=1),
            )
        with transaction.atomic():
            counted = count_queries(allocation.allocate_open_requests, warm=False)
            transaction.set_rollback(True)
        HouseholdRequest.objects.update(status=RequestStatus.CANCELLED)
        return counted

    assert queries(3) == queries(20)


# Property-based: random needs x item tags x stock -------------------------------------

tag_sets = st.sets(st.sampled_from(TAGS), max_size=4).filter(
    lambda tags: not (DietTag.NOT_FOOD in tags and len(tags) > 1)
)
lot_spec = st.tuples(st.integers(0, 3), st.integers(1, 6))
line_spec = st.tuples(st.integers(0, 4), st.integers(1, 5))  # 4: "any of the category"
request_spec = st.tuples(
    st.lists(st.sampled_from(NEEDS), max_size=3, unique=True),
    st.lists(line_spec, min_size=1, max_size=3),
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    tags=st.lists(tag_sets, min_size=4, max_size=4),
    lots=st.lists(lot_spec, max_size=6),
    requests=st.lists(request_spec, min_size=1, max_size=5),
)
def test_no_allocation_breaks_a_need_and_no_suitable_item_is_refused(tags, lots, requests):
    with transaction.atomic():
        _check_diets(tags, lots, requests)
        transaction.set_rollback(True)


def _check_diets(tags, lots, requests) -> None:
    make_zone()
    category = Category.objects.create(name="Pantry")
    # Stored as an organizer could store them: whatever the catalogue accepts.
    items = [
        ItemFactory.create(category=category, max_per_household=10, diet_tags=list(t)) for t in tags
    ]
    for which, quantity in lots:
        _lot(items[which], quantity)
    for needs, lines in requests:
        _ask(
            needs,
            *(
                LineInput(category=category, quantity=qty)
                if which == 4
                else LineInput(item=items[which], quantity=qty)
                for which, qty in lines
            ),
        )

    allocation.allocate_open_requests()

    item_tags = {item.pk: set(item.diet_tags) for item in items}
    for made in Allocation.objects.select_related("line__request", "lot"):
        line = made.line
        # Never breaks a need (by the table written out above), never swaps a named item.
        assert expected_suits(line.request.dietary_needs, item_tags[made.lot.item_id])
        if line.item_id is not None:
            assert made.lot.item_id == line.item_id
    # Never refused for diet reasons: a line still short finds every lot it could use empty.
    left = {lot.item_id: 0 for lot in StockLot.objects.all()}
    for lot in StockLot.objects.all():
        left[lot.item_id] += lot.on_hand - lot.reserved
    for line in RequestLine.objects.select_related("request"):
        if line.allocated < line.quantity:
            usable = [line.item_id] if line.item_id else [item.pk for item in items]
            suiting = [
                pk for pk in usable if expected_suits(line.request.dietary_needs, item_tags[pk])
            ]
            assert all(left.get(pk, 0) == 0 for pk in suiting), (line, suiting, left)
    assert ledger_mismatches() == []
    assert allocation.allocate_open_requests().units_reserved == 0


def test_the_form_and_the_api_refuse_an_item_the_familys_own_needs_rule_out(canned):
    """Asking for pork and ticking no pork would leave the line short for ever: each entry
    says so, in the family's language, and stores nothing. An item that fits is taken."""
    from django.test import Client
    from django.utils.translation import override
    from rest_framework.test import APIClient

    from household_requests.request_rules import ITEM_AGAINST_NEEDS
    from tests.household_requests.factories import as_form, request_payload

    _category, pork, halal = canned
    clash = request_payload(pork, dietary_needs=["no_pork"], language="es")
    with override("es"):
        message = str(ITEM_AGAINST_NEEDS)

    form = Client(HTTP_ACCEPT_LANGUAGE="es").post("/request/?lang=es", as_form(clash))
    api = APIClient().post("/api/v1/public/requests/", clash, format="json")

    assert form.status_code == 200 and message in form.content.decode()
    assert api.status_code == 400 and message in str(api.json())
    assert HouseholdRequest.objects.count() == 0
    fits = request_payload(halal, dietary_needs=["no_pork"])
    assert APIClient().post("/api/v1/public/requests/", fits, format="json").status_code == 201
