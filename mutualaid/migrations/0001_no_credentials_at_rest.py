"""No usable credential left in the database (issue 10).

DRF's authtoken table kept every API token in clear: it is dropped (its app is gone; knox
keeps digests). Sessions stored under their raw key (before mutualaid.sessions) are deleted:
every member signs in once more, and the old keys leave the table.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def forget_raw_sessions(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("sessions", "Session").objects.using(schema_editor.connection.alias).delete()


class Migration(migrations.Migration):
    dependencies = [("sessions", "0001_initial")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
        migrations.RunPython(forget_raw_sessions, migrations.RunPython.noop),
    ]
