"""The audit trail's table, adopted from the dashboard app with its rows.

AuditEvent's table (dashboard_auditevent) was created by a dashboard migration on databases
set up before; there this migration only takes the model into the audit app's state and moves
its content type, so the view_auditevent permission keeps its grants. On a new database it
creates the table.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from access.content_types import move_back, move_content_types


def create_table_if_missing(apps, schema_editor):
    model = apps.get_model("audit", "AuditEvent")
    if model._meta.db_table not in schema_editor.connection.introspection.table_names():
        schema_editor.create_model(model)


def adopt_content_type(apps, schema_editor):
    move_content_types(apps, "dashboard", "audit", ["auditevent"])


def return_content_type(apps, schema_editor):
    move_back(apps, "dashboard", "audit", ["auditevent"])


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("proctoring", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('username', models.CharField(max_length=150)),
                        ('action', models.CharField(db_index=True, help_text='e.g. evidence.view', max_length=64)),
                        ('summary', models.CharField(blank=True, default='', max_length=500)),
                        ('detail', models.JSONField(blank=True, default=dict)),
                        ('attempt', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='audit_events', to='proctoring.attempt')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'dashboard_auditevent',
                        'ordering': ['-at', '-id'],
                        'indexes': [models.Index(fields=['user', '-at'], name='audit_user_at_idx')],
                    },
                ),
            ],
        ),
        # Unapplied, the table stays: it may hold the trail of a database set up before.
        migrations.RunPython(create_table_if_missing, migrations.RunPython.noop),
        migrations.RunPython(adopt_content_type, return_content_type),
    ]
