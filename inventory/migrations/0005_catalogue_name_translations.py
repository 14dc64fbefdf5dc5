# Catalogue names in the families' languages: blank until an organizer enters them, and a
# blank translation shows the original name, so existing rows need no data step.

from django.db import migrations, models

HELP = "What families reading this language see. Blank: they see the original name."
LANGUAGES = [("es", "Spanish"), ("so", "Somali"), ("hmn", "Hmong")]


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0004_donation_void_and_transfer"),
    ]

    operations = [
        migrations.AddField(
            model_name=model,
            name=f"name_{code}",
            field=models.CharField(
                blank=True, help_text=HELP, max_length=120, verbose_name=f"name in {language}"
            ),
        )
        for model in ("category", "item")
        for code, language in LANGUAGES
    ]
