"""Nothing typed about a household stays in the clear: close reasons become a choice from
a list, and dietary needs outside the list are dropped.

Free text already stored is cleared first (close reasons become "other", the deliveries'
own wording becomes "delivery_failed"), then the column shrinks to the choices.
"""

from django.db import migrations, models

# Frozen here: the lists as they were when this migration was written.
DELIVERY_FAILED_TEXT = "could not be delivered after repeated attempts"
CLOSE_REASONS = {
    "no_longer_needed",
    "moved_away",
    "duplicate",
    "cannot_supply",
    "not_reachable",
    "delivery_failed",
    "other",
}
DIETARY = {
    "halal",
    "no_pork",
    "vegetarian",
    "diabetic",
    "gluten_free",
    "lactose_free",
    "nut_allergy",
}


def clear_free_text(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Foreign keys checked now, not at commit: PostgreSQL alters no table (below) while
        # checks on its rows are pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    HouseholdRequest = apps.get_model("household_requests", "HouseholdRequest")
    requests = HouseholdRequest.objects.using(schema_editor.connection.alias)
    requests.filter(close_reason=DELIVERY_FAILED_TEXT).update(close_reason="delivery_failed")
    requests.exclude(close_reason="").exclude(close_reason__in=CLOSE_REASONS).update(
        close_reason="other"
    )
    rows = requests.exclude(dietary_needs=[]).values_list("pk", "dietary_needs")
    for pk, needs in rows.iterator(chunk_size=2000):
        listed = needs if isinstance(needs, list) else []
        kept = sorted({need for need in listed if isinstance(need, str) and need in DIETARY})
        if kept != needs:
            requests.filter(pk=pk).update(dietary_needs=kept)


class Migration(migrations.Migration):
    dependencies = [
        ("household_requests", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(clear_free_text, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="householdrequest",
            name="close_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("no_longer_needed", "no longer needed"),
                    ("moved_away", "moved out of the area"),
                    ("duplicate", "duplicate of another request"),
                    ("cannot_supply", "we cannot supply it"),
                    ("not_reachable", "could not reach the family"),
                    ("delivery_failed", "could not be delivered after repeated attempts"),
                    ("other", "other"),
                ],
                max_length=20,
            ),
        ),
    ]
