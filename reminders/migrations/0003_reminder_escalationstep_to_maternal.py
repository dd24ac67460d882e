"""Hands ``Reminder`` and ``EscalationStep`` over to ``maternal`` (its migration 0005 takes them,
tables and rows included): state only, nothing changes in the database here."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('maternal', '0005_reminder_escalationstep_from_reminders'),
        ('reminders', '0002_cover_check'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='digest',
                    name='reminders',
                    field=models.ManyToManyField(related_name='digests', to='maternal.reminder'),
                ),
                migrations.DeleteModel(name='Reminder'),
                migrations.DeleteModel(name='EscalationStep'),
            ],
        ),
    ]
