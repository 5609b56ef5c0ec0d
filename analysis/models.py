"""Analysis specifications and their runs.

An ``Analysis`` says what to pool and how; an ``AnalysisRun`` is one computation of it,
frozen with the fingerprint of everything it read, so a later change of the locked data
(or of the specification) shows the run as stale instead of silently disagreeing with it.
"""

from django.conf import settings
from django.db import models

from analysis.conventions import I2_CHOICES, PI_CHOICES, POOLING_CHOICES, STUDY_CI_CHOICES

MEASURE_CHOICES = [
    ("RR", "Risk ratio (RR)"),
    ("OR", "Odds ratio (OR)"),
    ("RD", "Risk difference (RD)"),
    ("PETO", "Peto odds ratio (PETO)"),
    ("PR", "Proportion, raw (PR)"),
    ("PLN", "Proportion, log (PLN)"),
    ("PLO", "Proportion, logit (PLO)"),
    ("PAS", "Proportion, arcsine (PAS)"),
    ("PFT", "Proportion, Freeman-Tukey (PFT)"),
    ("MD", "Mean difference (MD)"),
    ("SMD", "Standardised mean difference, Hedges' g (SMD)"),
    ("ROM", "Ratio of means, log (ROM)"),
    ("MN", "Single-group mean (MN)"),
    ("MC", "Mean change, pre to post (MC)"),
    ("SMCC", "Standardised mean change, change-score SD (SMCC)"),
    ("SMCR", "Standardised mean change, raw-score SD (SMCR)"),
]

RE_METHOD_CHOICES = [
    ("REML", "Restricted maximum likelihood (REML)"),
    ("DL", "DerSimonian-Laird (DL)"),
    ("PM", "Paule-Mandel (PM)"),
    ("ML", "Maximum likelihood (ML)"),
    ("HE", "Hedges (HE)"),
    ("HS", "Hunter-Schmidt (HS)"),
    ("SJ", "Sidik-Jonkman (SJ)"),
    ("EB", "Empirical Bayes (EB)"),
]
METHOD_CHOICES = [
    ("auto", "Fixed effect when I² = 0, random effects otherwise"),
    ("FE", "Fixed (common) effect"),
    *[(code, f"Random effects, {label}") for code, label in RE_METHOD_CHOICES],
]
TEST_CHOICES = [("z", "Normal (z)"), ("knha", "Knapp-Hartung (t)")]
CONVERSION_CHOICES = [
    ("luo-shi", "Luo 2018 mean, Shi 2020 SD (recommended)"),
    ("wan", "Wan 2014"),
    ("hozo", "Hozo 2005 (median and range only)"),
]
SMALL_STUDY_TESTS = [
    ("egger", "Egger's regression test"),
    ("begg", "Begg's rank correlation test"),
    ("harbord", "Harbord's test (2×2 data)"),
    ("peters", "Peters' test (2×2 data)"),
    ("trimfill", "Trim and fill"),
    ("contours", "Contour-enhanced funnel plot (p = 0.10, 0.05, 0.01)"),
]


PRESENTATION = ("favours_left", "favours_right", "null_value")
# R meta's conventions (analysis.conventions) and their defaults, which are metafor's choices.
CONVENTION_DEFAULTS = {"pooling": "iv", "i2_convention": "tau2", "pi_type": "test", "study_ci": "clopper-pearson",
                       "wan_tables": False}


class Analysis(models.Model):
    """One pooled analysis of an outcome, with its subgroup and sensitivity analyses.

    ``outcome``, ``timepoint``, ``arm1`` and ``arm2`` name parts of the review's extraction
    form; ``subgroup_field`` and the conditions in ``exclude`` and ``sensitivity`` name any
    of its cells by key. ``exclude`` and ``sensitivity`` are lists described in
    ``analysis.conditions``.
    """

    review = models.ForeignKey("review.Review", on_delete=models.CASCADE, related_name="analyses")
    name = models.CharField(max_length=200)
    outcome = models.CharField(
        max_length=60, help_text="Key of the outcome in the extraction form."
    )
    timepoint = models.CharField(max_length=60, blank=True)
    arm1 = models.CharField("experimental arm (or the single group)", max_length=60, blank=True)
    arm2 = models.CharField("control arm", max_length=60, blank=True)
    measure = models.CharField(max_length=8, choices=MEASURE_CHOICES)
    method = models.CharField("model", max_length=8, choices=METHOD_CHOICES, default="auto")
    re_method = models.CharField(
        "random-effects estimator", max_length=8, choices=RE_METHOD_CHOICES, default="REML"
    )
    test = models.CharField("confidence intervals", max_length=8, choices=TEST_CHOICES, default="z")
    level = models.FloatField("confidence level (%)", default=95)
    conversion = models.CharField(
        "median to mean and SD", max_length=10, choices=CONVERSION_CHOICES, default="luo-shi"
    )
    assumed_correlation = models.FloatField(
        null=True, blank=True, help_text="Pre-post correlation for studies that do not report it."
    )
    subgroup_field = models.CharField(max_length=300, blank=True)
    exclude = models.JSONField(default=list, blank=True)
    sensitivity = models.JSONField(default=list, blank=True)
    small_study_tests = models.JSONField(default=list, blank=True)
    # Presentation: what the forest plot's sides mean, and the null of a single proportion
    # (no p-value and no contours without one: 0.5 on the logit scale is nobody's null).
    favours_left = models.CharField("label left of the null line", max_length=60, blank=True)
    favours_right = models.CharField("label right of the null line", max_length=60, blank=True)
    null_value = models.FloatField("null proportion", null=True, blank=True)
    # R meta's models and conventions beside metafor's (analysis.conventions).
    pooling = models.CharField(
        "pooling model", max_length=12, choices=POOLING_CHOICES, default="iv"
    )
    i2_convention = models.CharField("I²", max_length=4, choices=I2_CHOICES, default="tau2")
    pi_type = models.CharField(
        "prediction interval", max_length=4, choices=PI_CHOICES, default="test"
    )
    study_ci = models.CharField(
        "study intervals of proportions",
        max_length=16,
        choices=STUDY_CI_CHOICES,
        default="clopper-pearson",
    )
    wan_tables = models.BooleanField(
        "Wan 2014 small-sample tables",
        default=False,
        help_text="For medians: n ≤ 50 with a range, n ≤ 201 with quartiles, as R's meta.",
    )
    position = models.PositiveIntegerField(default=0)
    # The printable report: None until the lead chooses, and then an analysis goes in only
    # when its latest run pooled something; a failed or empty one goes in only if chosen.
    in_report = models.BooleanField("in the report", null=True, blank=True, default=None)
    report_order = models.PositiveIntegerField("order in the report", default=0)
    # Bumped on every edit so that an edit made on a stale page is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["review", "position", "id"]
        verbose_name_plural = "analyses"
        constraints = [
            models.UniqueConstraint(
                fields=["review", "name"], name="analysis_unique_name_per_review"
            ),
            models.CheckConstraint(
                condition=models.Q(measure__in=[c for c, _ in MEASURE_CHOICES]),
                name="analysis_measure_known",
            ),
            models.CheckConstraint(
                condition=models.Q(method__in=[c for c, _ in METHOD_CHOICES]),
                name="analysis_method_known",
            ),
            models.CheckConstraint(
                condition=models.Q(test__in=[c for c, _ in TEST_CHOICES]),
                name="analysis_test_known",
            ),
            models.CheckConstraint(
                condition=models.Q(level__gt=50, level__lt=100), name="analysis_level_in_range"
            ),
            models.CheckConstraint(
                condition=models.Q(pooling__in=[c for c, _ in POOLING_CHOICES]),
                name="analysis_pooling_known",
            ),
            models.CheckConstraint(
                condition=models.Q(i2_convention__in=[c for c, _ in I2_CHOICES])
                & models.Q(pi_type__in=[c for c, _ in PI_CHOICES])
                & models.Q(study_ci__in=[c for c, _ in STUDY_CI_CHOICES]),
                name="analysis_conventions_known",
            ),
            models.CheckConstraint(
                condition=models.Q(assumed_correlation__isnull=True)
                | models.Q(assumed_correlation__gte=-1, assumed_correlation__lte=1),
                name="analysis_correlation_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(null_value__isnull=True)
                | models.Q(null_value__gt=0, null_value__lt=1),
                name="analysis_null_value_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def spec(self) -> dict:
        """Everything about the specification that changes the numbers."""
        return {
            "measure": self.measure,
            "outcome": self.outcome,
            "timepoint": self.timepoint,
            "arm1": self.arm1,
            "arm2": self.arm2,
            "method": self.method,
            "re_method": self.re_method,
            "test": self.test,
            "level": self.level,
            "conversion": self.conversion,
            "assumed_correlation": self.assumed_correlation,
            "subgroup_field": self.subgroup_field,
            "exclude": self.exclude,
            "sensitivity": self.sensitivity,
            "small_study_tests": self.small_study_tests,
            # Only when set (or not the default), so that analyses without them keep the
            # fingerprint of their runs.
            **{name: getattr(self, name) for name in PRESENTATION if getattr(self, name) not in ("", None)},
            **{name: getattr(self, name) for name, default in CONVENTION_DEFAULTS.items()
               if getattr(self, name) != default},
        }


class AnalysisRun(models.Model):
    """One computation of an analysis: its inputs' fingerprint, the engine version, the
    full results as JSON and the SVG plots, so pages never recompute."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="runs")
    fingerprint = models.CharField(max_length=64)
    engine_version = models.CharField(max_length=64)
    results = models.JSONField(default=dict)
    forest_svg = models.TextField(blank=True)
    funnel_svg = models.TextField(blank=True)
    # Fingerprint of the inputs' fingerprint, engine, results and plots (analysis.run_integrity).
    integrity = models.CharField(max_length=64, blank=True, default="")
    stale = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["analysis", "-created_at", "-id"]
        get_latest_by = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.analysis} run {self.created_at:%Y-%m-%d %H:%M}"
