from django.db import migrations


def replace_functions(apps, schema_editor):
    from proctoring import tally_triggers

    tally_triggers.replace_functions(schema_editor)


class Migration(migrations.Migration):
    """The attempts' UPDATE trigger returns at once when no tallied column changed, and reads
    the violation records only for attempts that moved to another test (tally_triggers.py)."""

    dependencies = [
        ("proctoring", "0014_tests_index_indexes"),
    ]

    operations = [
        migrations.RunPython(replace_functions, migrations.RunPython.noop),
    ]
