"""Versions for the edits a page can make on a stale copy (issue 15, stale pages); existing rows
start at 1."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('review', '0009_maintenance_switch'),
    ]

    operations = [
        migrations.AddField(
            model_name='exclusionreason',
            name='version',
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name='membership',
            name='version',
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name='searchsource',
            name='version',
            field=models.PositiveIntegerField(default=1),
        ),
    ]
