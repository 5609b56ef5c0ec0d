"""Versions for the edits a page can make on a stale copy (issue 15, stale pages); existing rows
start at 1."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('extraction', '0003_submitted_extraction_trigger'),
    ]

    operations = [
        migrations.AddField(
            model_name='appraisalplan',
            name='version',
            field=models.PositiveIntegerField(default=1),
        ),
    ]
