"""The table whose one row lets a whole-database flush past the integrity triggers
(review/maintenance.py). It is plain SQL, not a model, so flush never empties it."""

from django.db import migrations

from review.maintenance import CREATE, DROP


class Migration(migrations.Migration):
    dependencies = [("review", "0008_decision_review_required")]

    operations = [migrations.RunSQL(CREATE, DROP)]
