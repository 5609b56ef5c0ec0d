"""Per-field caps at import: which fields of a record were cut, and the import's list of cuts."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('review', '0010_edit_versions'),
    ]

    operations = [
        migrations.AddField(
            model_name='record',
            name='truncated_fields',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='recordimport',
            name='truncated',
            field=models.JSONField(blank=True, default=list),
        ),
    ]
