"""What the locked data offer an analysis, and what a selection lacks.

The editor's outcomes, arms, time points and fields come from the form versions that locked
consensus was extracted with, each counted by the locked studies that hold a value for it;
nothing is typed, so a misspelt key cannot reach a run. The same reading explains an empty
run precisely, so "no study has locked data" is said only when it is true.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from analysis.collect import MISSING, NOT_LOCKED, DataSet, collect, review_studies
from analysis.compute import NO_STUDIES
from analysis.conditions import condition_text, holds
from analysis.measures import MEASURE_INPUTS
from extraction.formspec import cells, display
from extraction.selectors import LockedData, locked_consensus

NO_OUTCOME = "No locked study has outcome {key!r}."
NO_OUTCOME_DATA = "No locked study has data for outcome {key!r}."
WRONG_TYPE = "Outcome {key!r} is {type}; {measure} needs a {needed} outcome."
NEEDS_ARM = "Outcome {key!r} is recorded per arm: choose the arm."
NO_ARMS = "No locked study has arm {arm!r} for outcome {key!r}: it is not recorded per arm."
NO_ARM = "No locked study has arm {arm!r} for outcome {key!r}."
NEEDS_TIMEPOINT = "Outcome {key!r} is recorded per time point: choose the time point."
NO_TIMEPOINTS = "No locked study has time point {timepoint!r} for outcome {key!r}: it is not recorded per time point."
NO_TIMEPOINT = "No locked study has time point {timepoint!r} for outcome {key!r}."
NO_FIELD = "No locked study has field {key!r}."
NO_FIELD_VALUE = "No locked study has a value for field {key!r}."
NO_MATCH = "No locked study has {condition}: the condition leaves out none."
IN_WHERE = "{message} ({where})."
NO_COMPLETE = "None of the {n} locked studies has all the data this analysis needs: {detail}."
MISSING_CELLS = "{count} miss {cells}"
ALL_FILTERED = "The exclusions leave out every one of the {n} locked studies."
MISSING_LABEL = "{key} (missing: no locked study has it)"

TYPE_NAMES = {"binary": "binary", "continuous": "continuous", "change": "change from baseline"}


@dataclass
class OutcomeData:
    key: str
    name: str
    type: str
    repeat: str
    studies: set = field(default_factory=set)
    arms: dict[str, set] = field(default_factory=dict)
    timepoints: dict[str, set] = field(default_factory=dict)

    @property
    def per_arm(self) -> bool:
        return "arm" in self.repeat

    @property
    def per_timepoint(self) -> bool:
        return "timepoint" in self.repeat

    def arm_counts(self) -> list[tuple[str, int]]:
        return [(a, len(s)) for a, s in self.arms.items()]

    def timepoint_counts(self) -> list[tuple[str, int]]:
        return [(t, len(s)) for t, s in self.timepoints.items()]


@dataclass
class FieldData:
    key: str
    label: str
    studies: set = field(default_factory=set)
    values: Counter = field(default_factory=Counter)

    def value_counts(self) -> list[tuple[str, int]]:
        return self.values.most_common()


@dataclass
class Availability:
    """The outcomes, arms, time points and fields of the locked form versions, with the
    locked studies that hold data for each."""

    review: object
    locked: LockedData
    studies: list
    n_locked: int = 0
    outcomes: dict[str, OutcomeData] = field(default_factory=dict)
    arms: dict[str, set] = field(default_factory=dict)
    timepoints: dict[str, set] = field(default_factory=dict)
    fields: dict[str, FieldData] = field(default_factory=dict)
    # Outcome cells by key, with the locked studies that hold a value (conditions may name them).
    outcome_cells: dict[str, set] = field(default_factory=dict)
    # Every cell's locked value per study, to tell whether a condition meets any study.
    values: dict[str, dict] = field(default_factory=dict)

    # Choices for the editor: (key, label with the count of locked studies).
    def outcome_choices(self) -> list[tuple[str, str]]:
        return [
            (
                o.key,
                f"{o.name} ({o.key}, {TYPE_NAMES.get(o.type, o.type)}): {_studies(len(o.studies))}",
            )
            for o in self.outcomes.values()
        ]

    def arm_choices(self) -> list[tuple[str, str]]:
        return [(a, f"{a}: {_studies(len(s))}") for a, s in self.arms.items()]

    def timepoint_choices(self) -> list[tuple[str, str]]:
        return [(t, f"{t}: {_studies(len(s))}") for t, s in self.timepoints.items()]

    def field_choices(self) -> list[tuple[str, str]]:
        return [
            (f.key, f"{f.label} ({f.key}): {_studies(len(f.studies))}")
            for f in self.fields.values()
        ]

    def counts_by_outcome(self) -> dict:
        """Per outcome, its arms and time points with their locked-study counts (for the
        editor's script)."""
        return {
            o.key: {"arms": dict(o.arm_counts()), "timepoints": dict(o.timepoint_counts())}
            for o in self.outcomes.values()
        }

    def field_problem(self, key: str) -> str:
        data = self.fields.get(key)
        studies = data.studies if data is not None else self.outcome_cells.get(key)
        if studies is None:
            return NO_FIELD.format(key=key)
        return "" if studies else NO_FIELD_VALUE.format(key=key)

    def condition_problem(self, condition: dict) -> str:
        """What is wrong with a condition that drops studies: a field the locked data lack,
        or no locked study meeting it (a typo that would silently drop nothing)."""
        problem = self.field_problem(condition["field"])
        if problem:
            return problem
        stored = self.values.get(condition["field"], {}).values()
        if not any(holds(condition, value) for value in stored):
            return NO_MATCH.format(condition=condition_text(condition))
        return ""

    def value_suggestions(self, limit: int = 200) -> list[str]:
        """Values the locked studies hold in study-level fields, for the editor's conditions."""
        seen = dict.fromkeys(v for f in self.fields.values() for v in f.values)
        return list(seen)[:limit]

    def selection_problems(self, analysis) -> dict[str, str]:
        """Per editor field, what the locked data lack for this selection of outcome, arms
        and time point (empty when every part exists)."""
        problems: dict[str, str] = {}
        outcome = self.outcomes.get(analysis.outcome)
        if outcome is None:
            return {"outcome": NO_OUTCOME.format(key=analysis.outcome)}
        if not outcome.studies:
            return {"outcome": NO_OUTCOME_DATA.format(key=analysis.outcome)}
        spec = MEASURE_INPUTS.get(analysis.measure)
        if spec is not None and spec.outcome_type != outcome.type:
            problems["measure"] = WRONG_TYPE.format(
                key=outcome.key,
                type=TYPE_NAMES.get(outcome.type, outcome.type),
                measure=analysis.get_measure_display(),
                needed=TYPE_NAMES[spec.outcome_type],
            )
        for name in ("arm1", "arm2"):
            arm = getattr(analysis, name)
            if not outcome.per_arm:
                if arm:
                    problems[name] = NO_ARMS.format(arm=arm, key=outcome.key)
            elif arm and not outcome.arms.get(arm):
                problems[name] = NO_ARM.format(arm=arm, key=outcome.key)
        if outcome.per_arm and not analysis.arm1:
            problems["arm1"] = NEEDS_ARM.format(key=outcome.key)
        if outcome.per_timepoint:
            if not analysis.timepoint:
                problems["timepoint"] = NEEDS_TIMEPOINT.format(key=outcome.key)
            elif not outcome.timepoints.get(analysis.timepoint):
                problems["timepoint"] = NO_TIMEPOINT.format(
                    timepoint=analysis.timepoint, key=outcome.key
                )
        elif analysis.timepoint:
            problems["timepoint"] = NO_TIMEPOINTS.format(
                timepoint=analysis.timepoint, key=outcome.key
            )
        return problems

    def collect(self, analysis) -> DataSet:
        return collect(analysis, locked=self.locked, studies=self.studies)

    def why_empty(self, analysis, data: DataSet) -> str:
        """Why ``data`` (collected for ``analysis``) has no study, as precisely as the
        locked data allow."""
        if self.n_locked == 0:
            return NO_STUDIES
        problems = self.selection_problems(analysis)
        for name in ("outcome", "arm1", "arm2", "timepoint", "measure"):
            if name in problems:
                return problems[name]
        return explain_left_out(data)


def explain_left_out(data: DataSet) -> str:
    """The left-out reasons of an empty data set, summed up (no locked study at all is
    the one case that says so)."""
    considered = [
        x for x in data.left_out if x.reason != NOT_LOCKED and not x.reason.startswith("tampered")
    ]
    if not considered:
        return NO_STUDIES
    missing: Counter = Counter()
    filtered = 0
    other: list[str] = []
    prefix = MISSING.split("{")[0]
    for x in considered:
        if x.reason.startswith(prefix):
            missing[x.reason[len(prefix) :]] += 1
        elif x.reason.startswith("filtered out"):
            filtered += 1
        else:
            other.append(f"{x.label}: {x.reason}")
    if filtered == len(considered):
        return ALL_FILTERED.format(n=len(considered))
    parts = [
        MISSING_CELLS.format(count=_studies(c), cells=cells_) for cells_, c in missing.most_common()
    ]
    if filtered:
        parts.append(f"{_studies(filtered)} left out by the exclusions")
    parts.extend(other)
    return NO_COMPLETE.format(n=len(considered), detail="; ".join(parts))


def _studies(n: int) -> str:
    return f"{n} locked stud{'y' if n == 1 else 'ies'}"


def _empty(value) -> bool:
    return value in (None, "", [])


def availability(review, *, locked: LockedData | None = None, studies=None) -> Availability:
    """Read the locked form versions and the locked consensus of ``review`` once."""
    from extraction.models import FormVersion

    if locked is None:
        locked = locked_consensus(review, kind="extraction")
    if studies is None:
        studies = review_studies(review)
    entries = [s for s in locked.for_kind("extraction") if s.form_version is not None]
    numbers = sorted({s.form_version for s in entries})
    schemas = dict(
        FormVersion.objects.filter(review=review, number__in=numbers).values_list(
            "number", "schema"
        )
    )
    out = Availability(review=review, locked=locked, studies=studies, n_locked=len(entries))
    cell_maps = {}
    # The newest version names an outcome or field; older versions add what it dropped.
    for number in sorted(schemas, reverse=True):
        schema = schemas[number]
        for o in schema["outcomes"]:
            out.outcomes.setdefault(
                o["key"], OutcomeData(o["key"], o["name"], o["type"], o["repeat"])
            )
        cell_maps[number] = {c.key: c for c in cells(schema)}
        for c in cell_maps[number].values():
            if not c.component:
                out.fields.setdefault(c.key, FieldData(c.key, c.label))
    for number in sorted(schemas):
        for c in cell_maps[number].values():
            if c.component:
                out.outcome_cells.setdefault(c.key, set())
                outcome = out.outcomes[c.field]
                if c.arm:
                    outcome.arms.setdefault(c.arm, set())
                    out.arms.setdefault(c.arm, set())
                if c.timepoint:
                    outcome.timepoints.setdefault(c.timepoint, set())
                    out.timepoints.setdefault(c.timepoint, set())
    for s in entries:
        by_key = cell_maps.get(s.form_version, {})
        for key, value in s.data.items():
            c = by_key.get(key)
            if c is None or _empty(value):
                continue
            out.values.setdefault(c.key, {})[s.study_id] = value
            if not c.component:
                f = out.fields[c.key]
                f.studies.add(s.study_id)
                f.values[display(value)] += 1
                continue
            out.outcome_cells[c.key].add(s.study_id)
            outcome = out.outcomes[c.field]
            outcome.studies.add(s.study_id)
            if c.arm:
                outcome.arms[c.arm].add(s.study_id)
                out.arms[c.arm].add(s.study_id)
            if c.timepoint:
                outcome.timepoints[c.timepoint].add(s.study_id)
                out.timepoints[c.timepoint].add(s.study_id)
    return out


def missing_label(key: str) -> str:
    return MISSING_LABEL.format(key=key)
