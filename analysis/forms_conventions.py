"""The editor's fields for R meta's models and conventions, kept apart from the rest of the
analysis editor (``AnalysisForm`` mixes them in and lists their fieldset last)."""

from __future__ import annotations

from django import forms

from analysis.conventions import I2_CHOICES, PI_CHOICES, POOLING_CHOICES, STUDY_CI_CHOICES

FIELDSET = (
    "Models and conventions of R's meta",
    ("pooling", "i2_convention", "pi_type", "study_ci", "wan_tables"),
)


class ConventionFields(forms.Form):
    """Not required: a form posted without them (an older page, a script) keeps
    metafor's conventions, the defaults."""

    pooling = forms.ChoiceField(
        label="Pooling model",
        choices=POOLING_CHOICES,
        initial="iv",
        required=False,
        help_text=(
            "Mantel–Haenszel and Peto are common-effect models of 2×2 counts (R meta's "
            "default for binary outcomes); the GLMMs pool events and totals of one group "
            "on the logit scale (R meta's default for proportions). The diagnostics "
            "(leave-one-out, influence, small-study tests) keep the inverse-variance model."
        ),
    )
    i2_convention = forms.ChoiceField(
        label="I² shown",
        choices=I2_CHOICES,
        initial="tau2",
        required=False,
        help_text="Both are stored with every run; tables and plots say which one they show.",
    )
    pi_type = forms.ChoiceField(
        label="Prediction interval", choices=PI_CHOICES, initial="test", required=False
    )
    study_ci = forms.ChoiceField(
        label="Study intervals of proportions",
        choices=STUDY_CI_CHOICES,
        initial="clopper-pearson",
        required=False,
    )
    wan_tables = forms.BooleanField(
        label="Wan 2014 small-sample tables for medians",
        required=False,
        help_text="n ≤ 50 with a range, n ≤ 201 with quartiles, as R's meta does.",
    )

    def _or_default(self, name: str) -> str:
        return self.cleaned_data.get(name) or self.fields[name].initial

    def clean_pooling(self):
        return self._or_default("pooling")

    def clean_i2_convention(self):
        return self._or_default("i2_convention")

    def clean_pi_type(self):
        return self._or_default("pi_type")

    def clean_study_ci(self):
        return self._or_default("study_ci")
