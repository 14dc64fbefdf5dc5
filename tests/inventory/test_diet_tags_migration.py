"""The diet tags migration: items already in the catalogue start untagged (given to no
household whose need must be tagged), except that a name that plainly says pork or milk is
tagged as containing it, so the two needs that only exclude are kept from day one.

Rows are written at the schema before the change (the migration's historical models).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from inventory.diet import item_suits

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("inventory", "0002_location_pickup_point")]
AFTER = [("inventory", "0003_item_diet_tags")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def test_it_gives_existing_items_safe_tags():
    executor = _migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    category = old.get_model("inventory", "Category").objects.create(name="Pantry")
    items = old.get_model("inventory", "Item").objects
    names = [
        "Canned pork and beans",
        "Jamón serrano",
        "Milk, 1 gallon",
        "Cheese and ham sandwich",
        "Rice, 5 lb bag",
        "Peanut butter",
        "Graham crackers",
        "Shampoo",
    ]
    for name in names:
        items.create(name=name, category=category)

    executor = _migrate(executor.loader.graph.leaf_nodes())
    new = executor.loader.project_state(AFTER).apps
    tags = dict(new.get_model("inventory", "Item").objects.values_list("name", "diet_tags"))

    assert tags == {
        "Canned pork and beans": ["pork"],
        "Jamón serrano": ["pork"],
        "Milk, 1 gallon": ["milk"],
        "Cheese and ham sandwich": ["pork", "milk"],
        "Rice, 5 lb bag": [],
        "Peanut butter": [],
        "Graham crackers": [],  # a word, not a part of one
        "Shampoo": [],
    }
    # What that means for matching: untagged goes to no halal household, pork to no
    # no-pork one, milk to no lactose-free one; households without needs get everything.
    assert not item_suits(["halal"], tags["Rice, 5 lb bag"])
    assert item_suits(["no_pork"], tags["Rice, 5 lb bag"])
    assert not item_suits(["no_pork"], tags["Canned pork and beans"])
    assert not item_suits(["lactose_free"], tags["Milk, 1 gallon"])
    assert all(item_suits([], t) for t in tags.values())
