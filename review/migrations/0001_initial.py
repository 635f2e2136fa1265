"""The review tables, adopted from the proctoring app with their rows.

VerdictChange, ReviewState, ReviewNote and EvidenceDismissal were created by proctoring
migration 0003 and keep their tables (db_table): this migration only takes them into the review
app's state, and moves their content types so the review permissions (review_attempts,
overturn_verdicts) keep their grants to groups and users.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from access.content_types import move_back, move_content_types

MODELS = ["verdictchange", "reviewstate", "reviewnote", "evidencedismissal"]


def adopt_content_types(apps, schema_editor):
    move_content_types(apps, "proctoring", "review", MODELS)


def return_content_types(apps, schema_editor):
    move_back(apps, "proctoring", "review", MODELS)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("proctoring", "0005_list_indexes_review_moved_out"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='VerdictChange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('verdict', models.CharField(choices=[('unreviewed', 'Unreviewed'), ('cleared', 'Cleared'), ('suspicious', 'Suspicious'), ('violation', 'Violation confirmed')], max_length=16)),
                        ('previous_verdict', models.CharField(choices=[('unreviewed', 'Unreviewed'), ('cleared', 'Cleared'), ('suspicious', 'Suspicious'), ('violation', 'Violation confirmed')], default='unreviewed', max_length=16)),
                        ('preset', models.CharField(blank=True, default='', help_text='A common reason picked from a list.', max_length=100)),
                        ('reason', models.TextField(help_text="The reviewer's own words; required.")),
                        ('reviewer_name', models.CharField(max_length=150)),
                        ('at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('seen_trust_score', models.FloatField(blank=True, null=True)),
                        ('seen_violation_count', models.PositiveIntegerField(default=0)),
                        ('bulk', models.BooleanField(default=False, help_text='Given to several attempts at once.')),
                        ('attempt', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='verdict_changes', to='proctoring.attempt')),
                        ('reviewer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'proctoring_verdictchange',
                        'ordering': ['attempt', 'at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='ReviewState',
                    fields=[
                        ('attempt', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='review', serialize=False, to='proctoring.attempt')),
                        ('verdict', models.CharField(choices=[('unreviewed', 'Unreviewed'), ('cleared', 'Cleared'), ('suspicious', 'Suspicious'), ('violation', 'Violation confirmed')], max_length=16)),
                        ('reviewer_name', models.CharField(max_length=150)),
                        ('reviewed_at', models.DateTimeField()),
                        ('reason', models.TextField(help_text="The latest change's reason, preset included.")),
                        ('seen_trust_score', models.FloatField(blank=True, null=True)),
                        ('seen_violation_count', models.PositiveIntegerField(default=0)),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('latest_change', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='review.verdictchange')),
                    ],
                    options={
                        'db_table': 'proctoring_reviewstate',
                        'permissions': [('review_attempts', 'Can give verdicts, write notes and dismiss evidence'), ('overturn_verdicts', 'Can change a verdict another reviewer gave')],
                    },
                ),
                migrations.CreateModel(
                    name='EvidenceDismissal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('device', models.CharField(blank=True, default='', max_length=16)),
                        ('label', models.CharField(blank=True, default='', max_length=100)),
                        ('occurred_at', models.DateTimeField(blank=True, null=True)),
                        ('reason', models.TextField()),
                        ('dismissed_by_name', models.CharField(max_length=150)),
                        ('at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('attempt', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='proctoring.attempt')),
                        ('dismissed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'proctoring_evidencedismissal',
                        'ordering': ['attempt', 'at', 'id'],
                        'indexes': [models.Index(fields=['attempt', 'device', 'label', 'occurred_at'], name='evidence_dismissal_key_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='ReviewNote',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('device', models.CharField(blank=True, default='', max_length=16)),
                        ('label', models.CharField(blank=True, default='', max_length=100)),
                        ('occurred_at', models.DateTimeField(blank=True, null=True)),
                        ('text', models.TextField()),
                        ('author_name', models.CharField(max_length=150)),
                        ('at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('attempt', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='proctoring.attempt')),
                        ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'proctoring_reviewnote',
                        'ordering': ['attempt', 'at', 'id'],
                        'indexes': [models.Index(fields=['attempt', 'at'], name='review_note_attempt_idx')],
                    },
                ),
                migrations.AddIndex(
                    model_name='verdictchange',
                    index=models.Index(fields=['attempt', 'at'], name='verdict_change_attempt_idx'),
                ),
                migrations.AddIndex(
                    model_name='reviewstate',
                    index=models.Index(fields=['verdict'], name='review_state_verdict_idx'),
                ),
                migrations.AddIndex(
                    model_name='reviewstate',
                    index=models.Index(fields=['reviewer_name'], name='review_state_reviewer_idx'),
                ),
                migrations.AddIndex(
                    model_name='reviewstate',
                    index=models.Index(fields=['reviewed_at'], name='review_state_reviewed_at_idx'),
                ),
            ],
        ),
        migrations.RunPython(adopt_content_types, return_content_types),
    ]
