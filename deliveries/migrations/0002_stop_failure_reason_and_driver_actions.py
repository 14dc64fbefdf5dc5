"""Stops: a failure reason from a list replaces the free-text note. Drivers' claims and
releases are logged for the daily limits."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def notes_to_reasons(apps, schema_editor):
    """A driver's free-text note becomes the reason "other" on a failed stop and is
    cleared everywhere before its column goes."""
    if schema_editor.connection.vendor == "postgresql":
        # Foreign keys checked now, not at commit: PostgreSQL alters no table (below) while
        # checks on its rows are pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Stop = apps.get_model("deliveries", "Stop")
    stops = Stop.objects.using(schema_editor.connection.alias).exclude(note="")
    stops.filter(outcome="failed").update(failure_reason="other")
    stops.update(note="")


class Migration(migrations.Migration):
    dependencies = [
        ("deliveries", "0001_initial"),
        ("household_requests", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="DriverAction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("claim", "claim"), ("release", "release")], max_length=8
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["-at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="stop",
            name="failure_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("nobody_home", "nobody home"),
                    ("wrong_address", "wrong or missing address"),
                    ("unsafe", "unsafe to approach"),
                    ("refused", "refused the delivery"),
                    ("other", "other, or could not reach"),
                ],
                default="",
                max_length=16,
            ),
        ),
        migrations.RunPython(notes_to_reasons, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(
            model_name="stop",
            name="note",
        ),
        migrations.AddConstraint(
            model_name="stop",
            constraint=models.CheckConstraint(
                condition=models.Q(("outcome", "failed"), ("failure_reason", ""), _connector="OR"),
                name="stop_reason_only_when_failed",
            ),
        ),
        migrations.AddField(
            model_name="driveraction",
            name="driver",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="actions",
                to="deliveries.driver",
            ),
        ),
        migrations.AddField(
            model_name="driveraction",
            name="route",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="deliveries.route",
            ),
        ),
        migrations.AddIndex(
            model_name="driveraction",
            index=models.Index(fields=["driver", "kind", "at"], name="driver_action_count"),
        ),
        migrations.AddIndex(
            model_name="driveraction",
            index=models.Index(fields=["kind", "at"], name="driver_action_recent"),
        ),
    ]
