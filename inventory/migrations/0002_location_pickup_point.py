"""Locations gain an address, opening hours and a "public pickup point" flag.

Until now every active location was offered to families choosing pickup; those stay
offered (flagged public) so nothing changes for a running network until an organizer
unticks the ones that are not for families.
"""

from django.db import migrations, models


def keep_offering_active_locations(apps, schema_editor):
    Location = apps.get_model("inventory", "Location")
    Location.objects.filter(active=True).update(public_pickup=True)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="location",
            name="address",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="location",
            name="opening_hours",
            field=models.CharField(
                blank=True,
                help_text="When families can pick up, e.g. Tue and Thu 4-7 pm.",
                max_length=200,
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="public_pickup",
            field=models.BooleanField(
                default=False, help_text="Offer this place to families who choose pickup."
            ),
        ),
        migrations.RunPython(keep_offering_active_locations, migrations.RunPython.noop),
    ]
