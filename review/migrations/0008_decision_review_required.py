"""Every vote now has its review (0007): require it and index the review's votes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("review", "0007_decision_review"),
    ]

    operations = [
        migrations.AlterField(
            model_name="screeningdecision",
            name="review",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="review.review"
            ),
        ),
        migrations.AddIndex(
            model_name="screeningdecision",
            index=models.Index(fields=["review", "stage", "reviewer", "vote"], name="decision_review_votes"),
        ),
    ]
