"""HouseholdRequest.zone may be empty for a pickup from outside every zone (issue 11);
delivery still needs one."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("household_requests", "0002_close_reason_from_a_list"),
        ("inventory", "0002_location_pickup_point"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="householdrequest",
            name="zone",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="requests",
                to="household_requests.zone",
            ),
        ),
        migrations.AddConstraint(
            model_name="householdrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("fulfilment", "pickup"), ("zone__isnull", False), _connector="OR"
                ),
                name="request_delivery_has_zone",
            ),
        ),
    ]
