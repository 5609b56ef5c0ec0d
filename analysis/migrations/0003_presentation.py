"""Presentation of an analysis: forest-plot "favours" labels and a single proportion's null."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('analysis', '0002_run_integrity'),
    ]

    operations = [
        migrations.AddField(
            model_name='analysis',
            name='favours_left',
            field=models.CharField(blank=True, max_length=60, verbose_name='label left of the null line'),
        ),
        migrations.AddField(
            model_name='analysis',
            name='favours_right',
            field=models.CharField(blank=True, max_length=60, verbose_name='label right of the null line'),
        ),
        migrations.AddField(
            model_name='analysis',
            name='null_value',
            field=models.FloatField(blank=True, null=True, verbose_name='null proportion'),
        ),
        migrations.AddConstraint(
            model_name='analysis',
            constraint=models.CheckConstraint(condition=models.Q(('null_value__isnull', True), models.Q(('null_value__gt', 0), ('null_value__lt', 1)), _connector='OR'), name='analysis_null_value_in_range'),
        ),
    ]
