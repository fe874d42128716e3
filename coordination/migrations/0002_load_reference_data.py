"""Data migration: Morocco's regions and provinces (HCP, 2024 census) and the sectors."""

from django.db import migrations


def load(apps, schema_editor):
    from coordination.services import load_reference_data

    load_reference_data(registry=apps)


class Migration(migrations.Migration):
    dependencies = [("coordination", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
