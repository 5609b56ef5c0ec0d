"""A covering index for the dashboard's vote counts; it leads with record_stage, so the
foreign key's own index goes (added first, so the column is never unindexed)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('review', '0005_record_stage_year_and_title_keys'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='screeningdecision',
            index=models.Index(fields=['record_stage', 'reviewer', 'vote', 'stage'], name='decision_stage_votes'),
        ),
        migrations.AlterField(
            model_name='screeningdecision',
            name='record_stage',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='decisions', to='review.recordstage'),
        ),
    ]
