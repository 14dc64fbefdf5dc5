"""Demo data for `make run`: a believable catalogue, a week of donations, three members.

It lives in the top app because it touches every app below it.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from deliveries.demo_names import demo_translations
from deliveries.drivers import driver_save
from household_requests import services as request_services
from household_requests.contacts import Contact
from household_requests.zones import zone_save
from inventory import services as inventory_services
from inventory.models import Category, Item, Location
from mutualaid.members import member_add, roles_ensure
from mutualaid.timeutil import local_today

DEMO_LOGINS = [
    ("organizer", "organizer", "demo-organizer-2026"),
    ("driver", "driver", "demo-driver-2026"),
    ("driver2", "driver", "demo-driver-2026"),
    ("desk", "desk", "demo-desk-2026"),  # the pickup desk only
    ("dispatcher", "dispatcher", "demo-dispatcher-2026"),  # pauses zones, nothing else
]

# (category, [(item, unit, perishable, shelf life in days, target)])
CATALOGUE: list[tuple[str, list[tuple[str, str, bool, int, int]]]] = [
    (
        "Shelf-stable food",
        [
            ("Rice, 5 lb bag", "bag", False, 0, 40),
            ("Dry black beans, 1 lb", "bag", False, 0, 40),
            ("Canned pinto beans", "can", False, 0, 60),
            ("Canned tomatoes", "can", False, 0, 40),
            ("Canned chicken, halal", "can", False, 0, 20),
            ("Canned pork and beans", "can", False, 0, 20),
            ("Masa harina, 4 lb", "bag", False, 0, 20),
            ("Pasta, 1 lb", "box", False, 0, 40),
            ("Cooking oil, 48 oz", "bottle", False, 0, 20),
            ("Peanut butter", "each", False, 0, 30),
            ("Oatmeal", "box", False, 0, 25),
        ],
    ),
    (
        "Produce",
        [
            ("Onions, 3 lb", "bag", True, 21, 20),
            ("Potatoes, 5 lb", "bag", True, 28, 20),
            ("Apples", "lb", True, 21, 30),
            ("Bananas", "lb", True, 6, 30),
            ("Tomatoes", "lb", True, 7, 20),
            ("Carrots, 2 lb", "bag", True, 21, 20),
        ],
    ),
    (
        "Dairy and eggs",
        [
            ("Milk, 1 gallon", "each", True, 10, 30),
            ("Eggs", "dozen", True, 28, 30),
            ("Cheese, 1 lb", "each", True, 30, 15),
            ("Yogurt, 32 oz", "each", True, 14, 15),
        ],
    ),
    (
        "Baby",
        [
            ("Infant formula, powder", "each", False, 0, 25),
            ("Diapers, size 3", "pack", False, 0, 25),
            ("Diapers, size 5", "pack", False, 0, 25),
            ("Baby wipes", "pack", False, 0, 20),
            ("Baby cereal", "box", False, 0, 10),
        ],
    ),
    (
        "Hygiene",
        [
            ("Toothpaste", "each", False, 0, 20),
            ("Toothbrushes, 4-pack", "pack", False, 0, 20),
            ("Soap bars, 3-pack", "pack", False, 0, 20),
            ("Shampoo", "bottle", False, 0, 15),
            ("Menstrual pads", "pack", False, 0, 20),
            ("Deodorant", "each", False, 0, 15),
        ],
    ),
    (
        "Household",
        [
            ("Toilet paper, 12 rolls", "pack", False, 0, 20),
            ("Laundry detergent", "bottle", False, 0, 15),
            ("Dish soap", "bottle", False, 0, 15),
            ("Trash bags", "box", False, 0, 10),
        ],
    ),
    (
        "Clothing",
        [
            ("Winter coat, adult", "each", False, 0, 10),
            ("Winter coat, child", "each", False, 0, 10),
            ("Socks, adult", "pack", False, 0, 20),
            ("Gloves and hats", "each", False, 0, 20),
        ],
    ),
    (
        "Over-the-counter medicine",
        [
            ("Acetaminophen, adult", "bottle", False, 0, 10),
            ("Children's fever reducer", "bottle", False, 0, 10),
            ("Cough drops", "pack", False, 0, 10),
            ("Bandages", "box", False, 0, 10),
        ],
    ),
]

# Diet tags (inventory.diet) as a label would show them. Medicines stay untagged: gelatin
# and sugar vary by brand, so they go only to households without a diet that needs a tag.
_PLANT = ["halal", "vegetarian", "gluten_free", "lactose_free", "nut_free"]
_PLANT_LOW_SUGAR = [*_PLANT, "diabetic_friendly"]
_NOT_FOOD = ["not_food"]
DEMO_DIET_TAGS: dict[str, list[str]] = {
    "Rice, 5 lb bag": _PLANT,
    "Dry black beans, 1 lb": _PLANT_LOW_SUGAR,
    "Canned pinto beans": _PLANT_LOW_SUGAR,
    "Canned tomatoes": _PLANT_LOW_SUGAR,
    "Canned chicken, halal": [
        "halal",
        "diabetic_friendly",
        "gluten_free",
        "lactose_free",
        "nut_free",
    ],
    "Canned pork and beans": ["pork"],
    "Masa harina, 4 lb": _PLANT,
    "Pasta, 1 lb": ["halal", "vegetarian", "lactose_free", "nut_free", "gluten"],
    "Cooking oil, 48 oz": _PLANT_LOW_SUGAR,
    "Peanut butter": ["halal", "vegetarian", "gluten_free", "lactose_free", "nuts"],
    "Oatmeal": ["halal", "vegetarian", "diabetic_friendly", "lactose_free", "nut_free"],
    "Onions, 3 lb": _PLANT_LOW_SUGAR,
    "Potatoes, 5 lb": _PLANT,
    "Apples": _PLANT_LOW_SUGAR,
    "Bananas": _PLANT,
    "Tomatoes": _PLANT_LOW_SUGAR,
    "Carrots, 2 lb": _PLANT_LOW_SUGAR,
    "Milk, 1 gallon": ["halal", "vegetarian", "gluten_free", "nut_free", "milk"],
    "Eggs": ["halal", "vegetarian", "diabetic_friendly", "gluten_free", "lactose_free", "nut_free"],
    "Cheese, 1 lb": ["gluten_free", "nut_free", "milk"],
    "Yogurt, 32 oz": ["gluten_free", "nut_free", "milk"],
    "Infant formula, powder": ["halal", "gluten_free", "nut_free", "milk"],
    "Baby cereal": ["halal", "vegetarian", "gluten_free", "lactose_free", "nut_free"],
    **dict.fromkeys(
        [
            "Diapers, size 3",
            "Diapers, size 5",
            "Baby wipes",
            "Toothpaste",
            "Toothbrushes, 4-pack",
            "Soap bars, 3-pack",
            "Shampoo",
            "Menstrual pads",
            "Deodorant",
            "Toilet paper, 12 rolls",
            "Laundry detergent",
            "Dish soap",
            "Trash bags",
            "Winter coat, adult",
            "Winter coat, child",
            "Socks, adult",
            "Gloves and hats",
            "Bandages",
        ],
        _NOT_FOOD,
    ),
}

LOCATIONS = [
    ("St. Mary's church hall", "Side door on 14th St. Pantry shelves in the basement."),
    ("Corner grocery back room", "Ask for Lupe. Cold storage available."),
]
# Public pickup points: (address, opening hours) shown to the families who pick up there.
PICKUP_POINTS = {
    "St. Mary's church hall": ("2424 14th Ave S, side door", "Tue and Thu 4-7 pm, Sat 10 am-1 pm"),
}

ZONES = [
    ("Phillips", ["55404", "55407"]),
    ("Powderhorn", ["55406", "55408"]),
    ("Cedar-Riverside", ["55454", "55455"]),
    ("Frogtown", ["55103", "55104"]),
]

DONORS = ["", "Parish food drive", "Lupe's grocery", "School PTA", "Anonymous neighbour", ""]


DEMO_REQUESTS = [
    # (postal code, adults, children, infants, [(item name, quantity)], preferred days)
    (
        "55407",
        2,
        3,
        0,
        [("Rice, 5 lb bag", 1), ("Canned pinto beans", 4), ("Milk, 1 gallon", 2)],
        [],
    ),
    ("55404", 1, 0, 1, [("Infant formula, powder", 2), ("Diapers, size 3", 2)], ["sat"]),
    ("55406", 2, 1, 0, [("Eggs", 1), ("Masa harina, 4 lb", 1), ("Onions, 3 lb", 1)], []),
    (
        "55408",
        4,
        2,
        0,
        [("Pasta, 1 lb", 3), ("Canned tomatoes", 3), ("Toilet paper, 12 rolls", 1)],
        [],
    ),
    (
        "55454",
        1,
        0,
        0,
        [("Peanut butter", 1), ("Oatmeal", 1), ("Winter coat, adult", 1)],
        ["mon", "tue"],
    ),
    ("55407", 3, 2, 0, [("Potatoes, 5 lb", 1), ("Cooking oil, 48 oz", 1), ("Toothpaste", 2)], []),
]


def _demo_requests() -> None:
    """A few requests with obviously made-up contacts, so the jobs have work to show."""
    items = {item.name: item for item in Item.objects.all()}
    for number, (postal, adults, children, infants, lines, days) in enumerate(DEMO_REQUESTS, 1):
        request_services.request_submit(
            data=request_services.RequestInput(
                postal_code=postal,
                adults=adults,
                children=children,
                infants=infants,
                preferred_days=days,
                language=["en", "es", "so", "hmn"][number % 4],
                contact=Contact(
                    name=f"Demo family {number}",
                    phone=f"555-01{number:02d}",
                    address=f"{100 + number} Example Street, Apt {number}",
                    notes="Demo data: not a real household.",
                ),
                lines=[
                    request_services.LineInput(item=items[name], quantity=qty)
                    for name, qty in lines
                ],
            )
        )


def demo_exists() -> bool:
    return User.objects.filter(username=DEMO_LOGINS[0][0]).exists()


@transaction.atomic
def seed_demo(*, seed: int = 2026) -> None:
    """Create the demo catalogue, donations and members. Does nothing if they exist."""
    if demo_exists():
        return
    rng = random.Random(seed)
    roles_ensure()
    organizer = None
    for username, role, password in DEMO_LOGINS:
        user = member_add(username=username, role=role, password=password)
        organizer = organizer or user

    items: list[tuple[Item, int]] = []
    for order, (category_name, entries) in enumerate(CATALOGUE):
        category, _ = Category.objects.get_or_create(
            name=category_name,
            defaults={"sort_order": order, **demo_translations(category_name)},
        )
        for name, unit, perishable, shelf_days, target in entries:
            item, _ = Item.objects.get_or_create(
                name=name,
                defaults={
                    "category": category,
                    "unit": unit,
                    "perishable": perishable,
                    "target_on_hand": target,
                    "max_per_household": 4 if unit in {"bag", "each", "bottle"} else 6,
                    "diet_tags": DEMO_DIET_TAGS.get(name, []),
                    **demo_translations(name),
                },
            )
            items.append((item, shelf_days))
    locations = [
        Location.objects.get_or_create(
            name=name,
            defaults={
                "notes": notes,
                "address": PICKUP_POINTS.get(name, ("", ""))[0],
                "opening_hours": PICKUP_POINTS.get(name, ("", ""))[1],
                "public_pickup": name in PICKUP_POINTS,
            },
        )[0]
        for name, notes in LOCATIONS
    ]

    zones = [zone_save(name=zone_name, postal_codes=codes) for zone_name, codes in ZONES]
    for username, role, _password in DEMO_LOGINS:
        if role == "driver":
            driver_save(
                user=User.objects.get(username=username),
                zones=zones[:2] if username == "driver" else zones[1:],
                vetted=True,
            )

    today = local_today()
    now = timezone.now()
    for days_ago in range(6, -1, -1):
        for _ in range(rng.randint(2, 4)):
            chosen = rng.sample(items, rng.randint(2, 6))
            lines = []
            for item, shelf_days in chosen:
                expires = None
                if item.perishable:
                    expires = today + dt.timedelta(days=max(1, shelf_days - days_ago))
                elif rng.random() < 0.4:
                    expires = today + dt.timedelta(days=rng.randint(90, 540))
                lines.append(
                    inventory_services.DonationLineInput(
                        item=item, quantity=rng.randint(2, 24), expires_on=expires
                    )
                )
            inventory_services.donation_receive(
                location=rng.choice(locations),
                lines=lines,
                donor=rng.choice(DONORS),
                received_by=organizer,
                received_at=now - dt.timedelta(days=days_ago, hours=rng.randint(0, 8)),
            )
    _demo_requests()
