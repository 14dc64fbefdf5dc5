"""The door word: its own sealed field, and a word for every open request made before."""

from django.db import migrations, models

OPEN = ("submitted", "matched", "scheduled", "out_for_delivery")


def give_open_requests_a_word(apps, schema_editor):
    # Sealing is not a model: the app's own function draws and seals the word.
    from household_requests.door_word import sealed_new_word

    SealedContact = apps.get_model("household_requests", "SealedContact")
    rows = SealedContact.objects.filter(
        request__status__in=OPEN, sealed_word__isnull=True
    ).select_related("request")
    for row in rows.iterator():
        row.sealed_word = sealed_new_word(row.request.language)
        row.save(update_fields=["sealed_word"])


class Migration(migrations.Migration):
    dependencies = [
        ("household_requests", "0005_zone_pauses"),
    ]

    operations = [
        migrations.AddField(
            model_name="sealedcontact",
            name="sealed_word",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.RunPython(give_open_requests_a_word, migrations.RunPython.noop),
    ]
