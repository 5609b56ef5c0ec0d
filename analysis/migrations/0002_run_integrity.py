"""A fingerprint of what each run read and stored, so an edited run shows as tampered."""

import hashlib
import json

from django.db import migrations, models


def _fingerprint(payload) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fill(apps, schema_editor):
    AnalysisRun = apps.get_model("analysis", "AnalysisRun")
    for run in AnalysisRun.objects.all().iterator():
        run.integrity = _fingerprint({
            "inputs": run.fingerprint,
            "engine": run.engine_version,
            "results": json.loads(json.dumps(run.results)),
            "forest_svg": run.forest_svg,
            "funnel_svg": run.funnel_svg,
        })
        run.save(update_fields=["integrity"])


def empty(apps, schema_editor):
    apps.get_model("analysis", "AnalysisRun").objects.update(integrity="")


class Migration(migrations.Migration):
    dependencies = [("analysis", "0001_analyses_and_runs")]

    operations = [
        migrations.AddField(
            model_name="analysisrun",
            name="integrity",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(fill, empty),
    ]
