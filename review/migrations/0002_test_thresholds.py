"""Per-test review thresholds, and the Test admin role's permission to set them."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def grant_to_test_admins(apps, schema_editor):
    from access.roles import TEST_ADMIN, ensure_roles

    ensure_roles(apps, {TEST_ADMIN: [("review", "pertestthreshold", "change_pertestthreshold")]})


class Migration(migrations.Migration):

    dependencies = [
        ('review', '0001_initial'),
        ('access', '0001_roles'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PerTestThreshold',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('lookup_key', models.CharField(help_text='The test.', max_length=255, unique=True)),
                ('threshold', models.FloatField(help_text='0..1, like a trust score.')),
                ('set_by_name', models.CharField(max_length=150)),
                ('set_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('set_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('threshold__gte', 0.0), ('threshold__lte', 1.0)), name='test_threshold_fraction')],
            },
        ),
        migrations.RunPython(grant_to_test_admins, migrations.RunPython.noop),
    ]
