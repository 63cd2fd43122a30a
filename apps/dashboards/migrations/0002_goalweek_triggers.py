"""Triggers that keep dashboards_goalweek in step with the check-ins, and the rows for existing check-ins."""

from django.db import migrations


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from apps.dashboards import weeks

    schema_editor.execute(weeks.INSTALL)
    schema_editor.execute(weeks.REBUILD)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from apps.dashboards import weeks

    schema_editor.execute(weeks.UNINSTALL)


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0001_goalweek"), ("checkins", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
