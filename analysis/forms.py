"""The analysis editor: plain fields, with sensitivity variants and exclusions as text."""

from __future__ import annotations

from django import forms

from analysis.conditions import (
    OUTLIERS,
    PRESET_ABSTRACTS,
    PRESET_OUTLIERS,
    PRESET_RETROSPECTIVE,
    condition_text,
    parse_conditions,
    parse_variants,
    variant_text,
)
from analysis.forms_conventions import FIELDSET as CONVENTIONS_FIELDSET
from analysis.forms_conventions import ConventionFields
from analysis.models import (
    CONVERSION_CHOICES,
    MEASURE_CHOICES,
    METHOD_CHOICES,
    RE_METHOD_CHOICES,
    SMALL_STUDY_TESTS,
    TEST_CHOICES,
)
from analysis.services import EDITABLE

PRESETS = (PRESET_ABSTRACTS, PRESET_RETROSPECTIVE, PRESET_OUTLIERS)


class AnalysisForm(ConventionFields, forms.Form):
    name = forms.CharField(max_length=200)
    outcome = forms.CharField(max_length=60, help_text="Key of the outcome in the extraction form.")
    timepoint = forms.CharField(max_length=60, required=False)
    arm1 = forms.CharField(
        label="Experimental arm (or the single group)", max_length=60, required=False
    )
    arm2 = forms.CharField(
        label="Control arm",
        max_length=60,
        required=False,
        help_text="Empty for measures of one group (proportions, single means, mean change).",
    )
    measure = forms.ChoiceField(label="Effect measure", choices=MEASURE_CHOICES)
    method = forms.ChoiceField(label="Model", choices=METHOD_CHOICES, initial="auto")
    re_method = forms.ChoiceField(
        label="Random-effects estimator", choices=RE_METHOD_CHOICES, initial="REML"
    )
    test = forms.ChoiceField(label="Confidence intervals", choices=TEST_CHOICES, initial="z")
    level = forms.FloatField(
        label="Confidence level (%)", initial=95, min_value=50.1, max_value=99.99
    )
    conversion = forms.ChoiceField(
        label="Median to mean and SD", choices=CONVERSION_CHOICES, initial="luo-shi"
    )
    assumed_correlation = forms.FloatField(
        required=False,
        min_value=-1,
        max_value=1,
        help_text="Pre-post correlation for mean-change studies that do not report it.",
    )
    subgroup_field = forms.CharField(
        max_length=300,
        required=False,
        help_text="Key of any extraction field, e.g. route or population.",
    )
    exclude = forms.CharField(
        label="Leave out studies where",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="One condition per line: field op value, op one of =, !=, contains, <, >.",
    )
    drop_abstracts = forms.BooleanField(label=PRESET_ABSTRACTS, required=False)
    abstracts_field = forms.CharField(
        label="Publication type field", max_length=300, required=False, initial="publication_type"
    )
    drop_retrospective = forms.BooleanField(label=PRESET_RETROSPECTIVE, required=False)
    design_field = forms.CharField(
        label="Study design field", max_length=300, required=False, initial="design"
    )
    drop_outliers = forms.BooleanField(
        label=PRESET_OUTLIERS,
        required=False,
        help_text="Studies flagged by the influence diagnostics or with |rstudent| > 1.96.",
    )
    sensitivity = forms.CharField(
        label="Other sensitivity analyses",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="One per line: 'Label: condition; condition' drops the studies meeting any condition.",
    )
    small_study_tests = forms.MultipleChoiceField(
        choices=SMALL_STUDY_TESTS, required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Presentation: none of these changes the fit.
    favours_left = forms.CharField(
        label="Favours (left of the null line)", max_length=60, required=False,
        help_text="Forest plot label under the left side, e.g. 'Control' for a ratio where below 1 favours control.",
    )
    favours_right = forms.CharField(label="Favours (right of the null line)", max_length=60, required=False)
    null_value = forms.FloatField(
        label="Null proportion", required=False, min_value=0.0001, max_value=0.9999,
        help_text="Single proportions only: the value the pooled proportion is tested against (and the "
        "contour-enhanced funnel centred on). Empty: no p-value.",
    )

    FIELDSETS = (
        ("What to pool", ("name", "outcome", "timepoint", "arm1", "arm2", "measure")),
        ("Model", ("method", "re_method", "test", "level", "conversion", "assumed_correlation")),
        (
            "Subgroups, exclusions and sensitivity analyses",
            (
                "subgroup_field",
                "exclude",
                "drop_abstracts",
                "abstracts_field",
                "drop_retrospective",
                "design_field",
                "drop_outliers",
                "sensitivity",
            ),
        ),
        ("Small-study effects", ("small_study_tests",)),
        CONVENTIONS_FIELDSET,
        ("Presentation", ("favours_left", "favours_right", "null_value")),
    )

    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def clean_exclude(self):
        try:
            return parse_conditions(self.cleaned_data["exclude"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_sensitivity(self):
        try:
            return parse_variants(self.cleaned_data["sensitivity"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        presets = []
        if data.get("drop_abstracts"):
            field = data.get("abstracts_field") or "publication_type"
            presets.append(
                {
                    "label": PRESET_ABSTRACTS,
                    "kind": "exclude",
                    "conditions": [{"field": field, "op": "contains", "value": "abstract"}],
                }
            )
        if data.get("drop_retrospective"):
            field = data.get("design_field") or "design"
            presets.append(
                {
                    "label": PRESET_RETROSPECTIVE,
                    "kind": "exclude",
                    "conditions": [{"field": field, "op": "contains", "value": "retrospective"}],
                }
            )
        if data.get("drop_outliers"):
            presets.append({"label": PRESET_OUTLIERS, "kind": OUTLIERS})
        data["sensitivity"] = presets + [
            v for v in data["sensitivity"] if v["label"] not in PRESETS
        ]
        return data

    def values(self) -> dict:
        """The cleaned form as the service's ``values``."""
        return {name: self.cleaned_data[name] for name in EDITABLE}


def initial_for(analysis) -> dict:
    """The editor's initial values for an existing analysis."""
    by_label = {v["label"]: v for v in analysis.sensitivity}
    # Exclusions and sensitivity variants are rebuilt as text below.
    plain = [name for name in EDITABLE if name not in ("exclude", "sensitivity")]
    initial = {name: getattr(analysis, name) for name in (*plain, "version")}
    initial["exclude"] = "\n".join(condition_text(c) for c in analysis.exclude)
    if PRESET_ABSTRACTS in by_label:
        initial["drop_abstracts"] = True
        initial["abstracts_field"] = by_label[PRESET_ABSTRACTS]["conditions"][0]["field"]
    if PRESET_RETROSPECTIVE in by_label:
        initial["drop_retrospective"] = True
        initial["design_field"] = by_label[PRESET_RETROSPECTIVE]["conditions"][0]["field"]
    initial["drop_outliers"] = PRESET_OUTLIERS in by_label
    initial["sensitivity"] = "\n".join(
        variant_text(v) for v in analysis.sensitivity if v["label"] not in PRESETS
    )
    return initial
