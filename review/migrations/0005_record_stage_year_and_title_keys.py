import re

from django.db import migrations, models

YEAR_KEY_MISSING = 2**31 - 1
TITLE_KEY_LENGTH = 200
BATCH = 2000
_SPACES = re.compile(r"\s+")
_LEADING_PUNCTUATION = re.compile(r"^\W+")


def _keys(year, title):
    # A copy of the year and title parts of review.services.screening.queue_keys, frozen
    # here as migrations must be.
    title_key = _LEADING_PUNCTUATION.sub("", _SPACES.sub(" ", (title or "").casefold()).strip())
    return YEAR_KEY_MISSING if year is None else -year, title_key[:TITLE_KEY_LENGTH].rstrip()


def fill_sort_keys(apps, schema_editor):
    # Batches by primary key: a review of 100,000 records never sits in memory at once. A
    # plain UPDATE per row (executemany) rather than bulk_update, whose CASE per batch costs
    # about a minute of Python at 100,000 rows.
    RecordStage = apps.get_model("review", "RecordStage")
    connection = schema_editor.connection
    table = connection.ops.quote_name(RecordStage._meta.db_table)
    sql = f"UPDATE {table} SET year_key = %s, title_key = %s WHERE id = %s"
    rows = RecordStage.objects.using(connection.alias).order_by("pk")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).values_list("pk", "record__year", "record__title")[:BATCH])
        if not batch:
            return
        with connection.cursor() as cursor:
            cursor.executemany(sql, [(*_keys(year, title), pk) for pk, year, title in batch])
        last = batch[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ('review', '0004_record_stage_shuffle_key'),
    ]

    operations = [
        migrations.AddField(
            model_name='recordstage',
            name='year_key',
            field=models.IntegerField(default=YEAR_KEY_MISSING),
        ),
        migrations.AddField(
            model_name='recordstage',
            name='title_key',
            field=models.CharField(blank=True, default='', max_length=TITLE_KEY_LENGTH),
        ),
        # Reversing drops the columns, so there is nothing to undo.
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop),
        # Built after the backfill, so the updates above do not maintain them row by row.
        migrations.AddIndex(
            model_name='recordstage',
            index=models.Index(fields=['review', 'stage', 'status', 'year_key', 'id'], name='record_stage_queue_year'),
        ),
        migrations.AddIndex(
            model_name='recordstage',
            index=models.Index(fields=['review', 'stage', 'status', 'title_key', 'id'], name='record_stage_queue_title'),
        ),
        # The same index again, created after the two above so that SQLite keeps choosing it
        # where they fit a query equally well (see RecordStage.Meta.indexes).
        migrations.RemoveIndex(model_name='recordstage', name='record_stage_status_votes'),
        migrations.AddIndex(
            model_name='recordstage',
            index=models.Index(fields=['review', 'stage', 'status', 'decision_count'], name='record_stage_status_votes'),
        ),
    ]
