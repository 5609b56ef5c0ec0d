# A column added in place: on SQLite, Django's AddField with a default rebuilds the table,
# which the lock triggers of extraction (they name review_study) refuse on a new database.
# ALTER TABLE ... ADD COLUMN with a constant default needs no rebuild on either database.

from django.db import migrations, models

ADD = "ALTER TABLE review_study ADD COLUMN automatic boolean NOT NULL DEFAULT false"
DROP = "ALTER TABLE review_study DROP COLUMN automatic"


class Migration(migrations.Migration):

    dependencies = [
        ('review', '0017_screening_comfort'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD, DROP)],
            state_operations=[
                migrations.AddField(
                    model_name='study',
                    name='automatic',
                    field=models.BooleanField(default=False),
                ),
            ],
        ),
    ]
