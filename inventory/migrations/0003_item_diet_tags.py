"""Items gain diet tags (`inventory.diet`).

Every existing item starts untagged: it is never given to a household whose need must be
tagged (halal, vegetarian, diabetic, gluten free, nut allergy) until an organizer tags it.
The two needs that only exclude (no pork, no milk) would let an untagged item through, so
an existing item whose name plainly says pork or milk is tagged as containing it; a wrong
guess only withholds an item, never gives one, and an organizer can untag it.
"""

import re

from django.db import migrations, models

import inventory.diet

# Frozen here (a migration must not change when the app's lists do).
_CONTAINS = {
    "pork": r"pork|ham|bacon|lard|salami|pepperoni|chorizo|prosciutto|cerdo|puerco|jam[oó]n|tocino",
    "milk": r"milk|cheese|yogh?urt|cream|leche|queso|crema",
}


def tag_plain_pork_and_milk(apps, schema_editor):
    Item = apps.get_model("inventory", "Item")
    patterns = {
        tag: re.compile(rf"\b(?:{words})\b", re.IGNORECASE) for tag, words in _CONTAINS.items()
    }
    for item in Item.objects.only("pk", "name", "diet_tags"):
        tags = [tag for tag, pattern in patterns.items() if pattern.search(item.name)]
        if tags:
            Item.objects.filter(pk=item.pk).update(diet_tags=tags)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_location_pickup_point")]

    operations = [
        migrations.AddField(
            model_name="item",
            name="diet_tags",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "Which diets this item suits, and what it contains. Untagged items are "
                    "never given to a household whose need must be tagged (halal, ...)."
                ),
                validators=[inventory.diet.validate_diet_tags],
                verbose_name="diet tags",
            ),
        ),
        migrations.RunPython(tag_plain_pork_and_milk, migrations.RunPython.noop),
    ]
