"""The planned reminders and the alert ladder's steps move from the ``reminders`` app to this one
(the domain plans them; ``reminders`` only sends what is due). The rows stay where they are: this
migration takes the models over in Django's state with their old tables, then renames the tables
and indexes; ``reminders`` 0003 drops them from its own state."""

import django.db.models.deletion
from django.db import migrations, models


def move_content_types(apps, schema_editor, old="reminders", new="maternal"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=old, model__in=["reminder", "escalationstep"]).update(app_label=new)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, old="maternal", new="reminders")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('maternal', '0004_duty_history'),
        ('reminders', '0002_cover_check'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Reminder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('anc', 'Antenatal contact'), ('birth_prep', 'Birth preparedness'), ('post_edd', 'Follow-up after the due date'), ('pnc', 'Postnatal contact')], max_length=10)),
                        ('sequence', models.PositiveSmallIntegerField()),
                        ('due_date', models.DateField()),
                        ('status', models.CharField(choices=[('planned', 'Planned'), ('sent', 'Sent'), ('cleared', 'Visit reported'), ('missed', 'Missed visit'), ('cancelled', 'Cancelled'), ('expired', 'Expired (not sent in time)')], default='planned', max_length=10)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('missed_on', models.DateField(blank=True, help_text='When the missed-visit follow-up went out.', null=True)),
                        ('pregnancy', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='maternal.pregnancy')),
                    ],
                    options={
                        'db_table': 'reminders_reminder',
                        'ordering': ['due_date', 'kind', 'sequence'],
                        'indexes': [models.Index(fields=['status', 'due_date'], name='reminders_r_status_82e7f5_idx')],
                        'constraints': [models.UniqueConstraint(fields=('pregnancy', 'kind', 'sequence'), name='one_reminder_per_contact')],
                    },
                ),
                migrations.CreateModel(
                    name='EscalationStep',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('level', models.PositiveSmallIntegerField()),
                        ('due_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('done', 'Done'), ('cancelled', 'Cancelled (acknowledged)')], default='pending', max_length=10)),
                        ('ran_at', models.DateTimeField(blank=True, null=True)),
                        ('recipients', models.PositiveSmallIntegerField(default=0)),
                        ('alert', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='escalation_steps', to='maternal.alert')),
                    ],
                    options={
                        'db_table': 'reminders_escalationstep',
                        'ordering': ['alert', 'level'],
                        'indexes': [models.Index(fields=['status', 'due_at'], name='reminders_e_status_60bb5b_idx')],
                        'constraints': [models.UniqueConstraint(fields=('alert', 'level'), name='one_step_per_level')],
                    },
                ),
            ],
        ),
        migrations.RenameIndex(
            model_name='escalationstep',
            new_name='maternal_es_status_ecbcbd_idx',
            old_name='reminders_e_status_60bb5b_idx',
        ),
        migrations.RenameIndex(
            model_name='reminder',
            new_name='maternal_re_status_8e1b6e_idx',
            old_name='reminders_r_status_82e7f5_idx',
        ),
        migrations.AlterModelTable(name='escalationstep', table=None),
        migrations.AlterModelTable(name='reminder', table=None),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
