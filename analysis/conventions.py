"""The pooling model and the reporting conventions an analysis may choose beside metafor's.

R's meta pools binary outcomes by Mantel-Haenszel and proportions by a GLMM, reports I^2
from Q with its interval and a prediction interval on t(k - 2); metafor pools by inverse
variance and reports I^2 from tau^2. An analysis says which it uses, and every page, plot
and export names the choice with the labels below.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from analysis.meta.heterogeneity_q import I2_Q_LABEL

POOLING_CHOICES = [
    ("iv", "Inverse variance (metafor's rma)"),
    ("mh", "Mantel–Haenszel, common effect (binary outcomes: OR, RR, RD)"),
    ("peto", "Peto, common effect (odds ratio)"),
    ("glmm-random", "GLMM, random effects (proportions, logit)"),
    ("glmm-common", "GLMM, common effect (proportions, logit)"),
]
# What the results page and report call each model.
POOLING_NAMES = {
    "iv": "Inverse variance",
    "mh": "Mantel–Haenszel",
    "peto": "Peto",
    "glmm-random": "GLMM (random effects)",
    "glmm-common": "GLMM (common effect)",
}
POOLING_MEASURES = {
    "mh": ("OR", "RR", "RD"),
    "peto": ("OR", "PETO"),
    "glmm-random": ("PLO",),
    "glmm-common": ("PLO",),
}
I2_CHOICES = [
    ("tau2", "I² as metafor: from τ² in random-effects models"),
    ("Q", f"{I2_Q_LABEL}, with its confidence interval"),
]
I2_NAMES = {"tau2": "I² from τ² (metafor)", "Q": I2_Q_LABEL}
PI_CHOICES = [
    ("test", "As the confidence intervals: z, or t(k−p) with Knapp–Hartung"),
    ("z", "Normal (z)"),
    ("t", "t(k−p)"),
    ("hts", "t(k−2) (Higgins, Thompson & Spiegelhalter 2009)"),
]
PI_NAMES = {
    "z": "prediction interval z",
    "t": "prediction interval t(k−p)",
    "hts": "prediction interval t(k−2)",
}
# Short forms for table cells.
PI_SHORT = {"z": "z", "t": "t(k−p)", "hts": "t(k−2)"}
STUDY_CI_CHOICES = [
    ("clopper-pearson", "Clopper–Pearson (exact), as R's meta"),
    ("wilson", "Wilson score"),
]

POOLING_NEEDS_MEASURE = "{model} pools {measures} only; choose one of these effect measures."


def check_pooling(analysis) -> None:
    """Refuse a pooling model that cannot pool the analysis's measure."""
    allowed = POOLING_MEASURES.get(analysis.pooling)
    if allowed is not None and analysis.measure not in allowed:
        raise ValidationError(
            {
                "pooling": POOLING_NEEDS_MEASURE.format(
                    model=POOLING_NAMES[analysis.pooling], measures=", ".join(allowed)
                )
            }
        )


def pi_type(spec: dict) -> str | None:
    """The engine's ``pi_type`` for a specification (None: as its test)."""
    choice = spec.get("pi_type", "test")
    return None if choice in ("test", "", None) else choice
