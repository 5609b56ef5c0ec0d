"""Background imports survive crashes: a lease, a claim counter, a queued mark, a cancelled state,
and one waiting/running/imported copy of a file per source (it was one imported copy)."""

from django.conf import settings
from django.db import migrations, models


DUPLICATE = "The same file was uploaded again to this source; this copy was set aside when copies became unique."


def set_aside_duplicate_copies(apps, schema_editor):
    # Before this migration a file could wait twice; the second copy would only have failed with
    # an IntegrityError once the first landed. Keep the imported (or else the oldest) copy.
    RecordImport = apps.get_model("review", "RecordImport")
    kept = {}
    for row in RecordImport.objects.filter(status__in=["pending", "running", "done"]).order_by("created_at", "id"):
        key = (row.source_id, row.sha256)
        first = kept.get(key)
        if first is None:
            kept[key] = row
            continue
        loser = row
        if row.status == "done" and first.status != "done":
            kept[key], loser = row, first
        RecordImport.objects.filter(pk=loser.pk).update(status="failed", error=DUPLICATE)


class Migration(migrations.Migration):

    dependencies = [
        ('review', '0011_record_field_caps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='recordimport',
            name='import_file_once_per_source',
        ),
        migrations.AddField(
            model_name='recordimport',
            name='attempts',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='recordimport',
            name='enqueued_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='recordimport',
            name='lease_expires_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='recordimport',
            name='status',
            field=models.CharField(choices=[('pending', 'Waiting'), ('running', 'Importing'), ('done', 'Imported'), ('failed', 'Refused'), ('cancelled', 'Cancelled')], default='pending', max_length=10),
        ),
        # Reverse: nothing to restore; a set-aside copy could never have landed beside the kept one.
        migrations.RunPython(set_aside_duplicate_copies, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='recordimport',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ('pending', 'running', 'done'))), fields=('source', 'sha256'), name='import_file_once_per_source'),
        ),
    ]
