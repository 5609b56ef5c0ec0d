"""Each vote carries its review, so a review's votes are counted from one index.

Added empty and filled from each vote's stage row in one UPDATE; 0008 then requires it (in
its own transaction: PostgreSQL refuses to alter a table with foreign-key checks pending)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_review(apps, schema_editor):
    ScreeningDecision = apps.get_model("review", "ScreeningDecision")
    RecordStage = apps.get_model("review", "RecordStage")
    ScreeningDecision.objects.filter(review__isnull=True).update(
        review_id=Subquery(RecordStage.objects.filter(pk=OuterRef("record_stage_id")).values("review_id")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ("review", "0006_decision_covering_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="screeningdecision",
            name="review",
            field=models.ForeignKey(
                db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                to="review.review",
            ),
        ),
        migrations.RunPython(fill_review, migrations.RunPython.noop),
    ]
