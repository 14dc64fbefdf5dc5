# A donation is voided through the ledger, never deleted; a lot's units move between
# locations as "transferred" ledger rows, and a donation's corrections as "corrected" ones.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0003_item_diet_tags"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="donation",
            name="void_reason",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="donation",
            name="voided_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="donation",
            name="voided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="stockmovement",
            name="kind",
            field=models.CharField(
                choices=[
                    ("received", "received"),
                    ("reserved", "reserved"),
                    ("released", "released"),
                    ("distributed", "distributed"),
                    ("adjusted", "adjusted"),
                    ("spoiled", "spoiled"),
                    ("corrected", "donation corrected"),
                    ("transferred", "transferred"),
                ],
                max_length=16,
            ),
        ),
    ]
