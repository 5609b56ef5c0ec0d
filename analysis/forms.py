"""The analysis editor.

Outcome, arms, time point, subgroup field and the presets' fields are chosen from what the
locked data hold (``analysis.availability``), never typed; conditions stay text, one per
line, and each field they name must be one the locked data have.
"""

from __future__ import annotations

from django import forms

from analysis.availability import IN_WHERE, Availability, missing_label
from analysis.conditions import (
    OPS,
    OUTLIERS,
    PRESET_ABSTRACTS,
    PRESET_OUTLIERS,
    PRESET_RETROSPECTIVE,
    condition_text,
    parse_condition,
    parse_conditions,
    parse_variants,
    variant_text,
)
from analysis.forms_conventions import FIELDSET as CONVENTIONS_FIELDSET
from analysis.forms_conventions import ConventionFields
from analysis.measures import MEASURE_INPUTS
from analysis.models import (
    CONVERSION_CHOICES,
    MEASURE_CHOICES,
    METHOD_CHOICES,
    RE_METHOD_CHOICES,
    SMALL_STUDY_TESTS,
    TEST_CHOICES,
    Analysis,
)
from analysis.services import EDITABLE

PRESETS = (PRESET_ABSTRACTS, PRESET_RETROSPECTIVE, PRESET_OUTLIERS)
OP_WORDS = {"=": "equals", "!=": "differs from", "contains": "contains", "<": "is below", ">": "is above"}
OP_CHOICES = [(op, OP_WORDS[op]) for op in OPS]
NEEDS_VALUE = "Enter the value to compare {field} with."
NEEDS_FIELD = "Choose the field this value is compared with."
NEEDS_LABEL = "Give the new sensitivity analysis a label."
NOT_A_NUMBER = "'is below' and 'is above' compare numbers; {value!r} is not a number."
# Where a preset's field is chosen, for an error about it.
PRESET_FIELDS = {PRESET_ABSTRACTS: "abstracts_field", PRESET_RETROSPECTIVE: "design_field"}
PRESET_SWITCHES = {"abstracts_field": "drop_abstracts", "design_field": "drop_retrospective"}
NEEDS_PRESET_FIELD = "Choose the field that records the {what}."
# What a selection is checked against the locked data with.
SELECTION = (
    "outcome",
    "timepoint",
    "arm1",
    "arm2",
    "measure",
    "conversion",
    "assumed_correlation",
    "subgroup_field",
    "exclude",
)


class AnalysisForm(ConventionFields, forms.Form):
    name = forms.CharField(max_length=200)
    outcome = forms.CharField(
        max_length=60,
        widget=forms.Select,
        help_text="Outcomes of the locked form versions, each with the locked studies that have data for it.",
    )
    timepoint = forms.CharField(label="Time point", max_length=60, required=False, widget=forms.Select)
    arm1 = forms.CharField(
        label="Experimental arm (or the single group)",
        max_length=60,
        required=False,
        widget=forms.Select,
    )
    arm2 = forms.CharField(
        label="Control arm",
        max_length=60,
        required=False,
        widget=forms.Select,
        help_text="None for measures of one group (proportions, single means, mean change).",
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
        widget=forms.Select,
        help_text="Any field of the locked form versions, e.g. route or population.",
    )
    exclude = forms.CharField(
        label="Leave out studies where",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="One condition per line: field op value, op one of =, !=, contains, <, >; "
        "the fields are listed below the form.",
    )
    add_exclude_field = forms.CharField(
        label="Add a condition: leave out studies where", max_length=300, required=False, widget=forms.Select
    )
    add_exclude_op = forms.ChoiceField(label="Comparison", choices=OP_CHOICES, required=False)
    add_exclude_value = forms.CharField(
        label="Value", max_length=300, required=False, widget=forms.TextInput(attrs={"list": "field-values"})
    )
    drop_abstracts = forms.BooleanField(label=PRESET_ABSTRACTS, required=False)
    abstracts_field = forms.CharField(
        label="Publication type field",
        max_length=300,
        required=False,
        initial="publication_type",
        widget=forms.Select,
    )
    drop_retrospective = forms.BooleanField(label=PRESET_RETROSPECTIVE, required=False)
    design_field = forms.CharField(
        label="Study design field",
        max_length=300,
        required=False,
        initial="design",
        widget=forms.Select,
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
    add_variant_label = forms.CharField(
        label="Add a sensitivity analysis: its label", max_length=200, required=False
    )
    add_variant_field = forms.CharField(
        label="It leaves out studies where", max_length=300, required=False, widget=forms.Select
    )
    add_variant_op = forms.ChoiceField(label="Comparison", choices=OP_CHOICES, required=False)
    add_variant_value = forms.CharField(
        label="Value", max_length=300, required=False, widget=forms.TextInput(attrs={"list": "field-values"})
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
                "add_exclude_field",
                "add_exclude_op",
                "add_exclude_value",
                "drop_abstracts",
                "abstracts_field",
                "drop_retrospective",
                "design_field",
                "drop_outliers",
                "sensitivity",
                "add_variant_label",
                "add_variant_field",
                "add_variant_op",
                "add_variant_value",
            ),
        ),
        ("Small-study effects", ("small_study_tests",)),
        CONVENTIONS_FIELDSET,
        ("Presentation", ("favours_left", "favours_right", "null_value")),
    )

    # Editor field -> (what "nothing" means there, or None when a choice is required).
    KEY_FIELDS = {
        "outcome": "Choose an outcome",
        "arm1": "None (the outcome is not recorded per arm)",
        "arm2": "None (one group)",
        "timepoint": "None (the outcome is not recorded per time point)",
        "subgroup_field": "No subgroups",
        "abstracts_field": "Choose a field",
        "design_field": "Choose a field",
        "add_exclude_field": "Choose a field",
        "add_variant_field": "Choose a field",
    }

    def __init__(self, *args, available: Availability | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.available = available
        # Conditions built from the chosen field, comparison and value -> their editor field.
        self._added: dict[int, str] = {}
        offered = {
            "outcome": available.outcome_choices() if available else [],
            "arm1": available.arm_choices() if available else [],
            "arm2": available.arm_choices() if available else [],
            "timepoint": available.timepoint_choices() if available else [],
        }
        fields = available.field_choices() if available else []
        for name, preset in PRESET_SWITCHES.items():
            # The presets' usual field names are only a suggestion: when the locked data do
            # not have them and the preset is off, nothing is preselected.
            if not self.is_bound and not self.initial.get(preset):
                keys = {key for key, _ in fields}
                if self.initial.get(name, self.fields[name].initial) not in keys:
                    self.initial[name] = ""
        for name, empty in self.KEY_FIELDS.items():
            choices = list(offered.get(name, fields))
            # A key stored before the editor offered choices, or one the data no longer
            # hold, stays visible (and is refused at save) rather than silently replaced.
            current = self._current(name)
            if current and current not in {key for key, _ in choices}:
                choices.append((current, missing_label(current)))
            if empty is not None:
                choices.insert(0, ("", empty))
            self.fields[name].widget.choices = choices

    def _current(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix(name), "") or "")
        return str(self.initial.get(name, self.fields[name].initial) or "")

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
            field = data.get("abstracts_field") or ""
            if not field:
                self.add_error("abstracts_field", NEEDS_PRESET_FIELD.format(what="publication type"))
            presets.append(
                {
                    "label": PRESET_ABSTRACTS,
                    "kind": "exclude",
                    "conditions": [{"field": field, "op": "contains", "value": "abstract"}],
                }
            )
        if data.get("drop_retrospective"):
            field = data.get("design_field") or ""
            if not field:
                self.add_error("design_field", NEEDS_PRESET_FIELD.format(what="study design"))
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
        added = self._chosen_condition(data, "add_exclude")
        if added:
            data["exclude"] = [*data["exclude"], added]
            self._added[id(added)] = "add_exclude_field"
        added = self._chosen_condition(data, "add_variant")
        if added:
            label = (data.get("add_variant_label") or "").strip()
            if not label:
                self.add_error("add_variant_label", NEEDS_LABEL)
            else:
                variant = {"label": label, "kind": "exclude", "conditions": [added]}
                data["sensitivity"] = [*data["sensitivity"], variant]
                self._added[id(added)] = "add_variant_field"
        if self.errors:
            return data
        if self.available is not None:
            self._refuse_what_is_missing(data)
        return data

    def _chosen_condition(self, data: dict, prefix: str) -> dict | None:
        """The condition built from a chosen field, comparison and value, if any."""
        field = data.get(f"{prefix}_field") or ""
        value = (data.get(f"{prefix}_value") or "").strip()
        op = data.get(f"{prefix}_op") or "="
        if not field:
            if value:
                self.add_error(f"{prefix}_field", NEEDS_FIELD)
            return None
        if not value:
            self.add_error(f"{prefix}_value", NEEDS_VALUE.format(field=field))
            return None
        if op in ("<", ">"):
            try:
                parse_condition(f"{field} {op} {value}")
            except ValueError:
                self.add_error(f"{prefix}_value", NOT_A_NUMBER.format(value=value))
                return None
        return {"field": field, "op": op, "value": value}

    def _refuse_what_is_missing(self, data: dict) -> None:
        """Refuse a selection the locked data cannot fill, naming what is missing."""
        available = self.available
        analysis = Analysis(
            review=available.review,
            **{name: data[name] for name in SELECTION if name in data},
        )
        for name, message in available.selection_problems(analysis).items():
            self.add_error(name, message)
        if data.get("subgroup_field"):
            problem = available.field_problem(data["subgroup_field"])
            if problem:
                self.add_error("subgroup_field", problem)
        for line, condition in enumerate(data["exclude"], start=1):
            problem = available.condition_problem(condition)
            if problem and id(condition) in self._added:
                self.add_error(self._added[id(condition)], problem)
            elif problem:
                self.add_error("exclude", IN_WHERE.format(message=problem.rstrip("."), where=f"line {line}"))
        for variant in data["sensitivity"]:
            for condition in variant.get("conditions", []):
                problem = available.condition_problem(condition)
                if problem:
                    where = self._added.get(id(condition)) or PRESET_FIELDS.get(variant["label"], "sensitivity")
                    self.add_error(where, IN_WHERE.format(message=problem.rstrip("."), where=variant["label"]))
        if self.errors:
            return
        spec = MEASURE_INPUTS[analysis.measure]
        if spec.two_arms != bool(analysis.arm2):
            return  # the service names the arm to add or leave out
        collected = available.collect(analysis)
        if collected.k == 0:
            self.add_error(None, available.why_empty(analysis, collected))

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
