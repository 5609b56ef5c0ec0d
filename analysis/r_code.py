"""The R code that reproduces a run from its exported data set, so a statistician can check
any pooled number in one paste.

The code reads the run's data-set CSV (``exports.dataset_frame``, downloaded as
``<analysis>-data.csv``), recomputes the effect sizes with metafor's ``escalc`` from the
inputs Concord pooled, and fits each model with ``rma`` under the run's own settings: the
model the run used (for "auto", the one its rule chose), the test and the level. Subgroups
and sensitivity analyses subset the same data set by study, exactly as the run did. A
second block makes the same pooling with the ``meta`` package where it has a function for
the measure (``metabin``, ``metacont``, ``metaprop``, ``metamean``), ``metagen`` otherwise.

Reference: Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package.
Journal of Statistical Software, 36(3), 1-48. Balduzzi, S., Rücker, G., & Schwarzer, G.
(2019). How to perform a meta-analysis with R: a practical tutorial. Evidence-Based Mental
Health, 22, 153-160.
"""

from __future__ import annotations

import re

from analysis.exports import _escalc_ordered
from analysis.measures import MEASURE_INPUTS
from concord.spreadsheets import safe_cell

NOTHING_POOLED = "# This run pooled no study ({error}): there is nothing to reproduce."

# metafor's back-transformation of each measure to its natural scale.
TRANSF = {
    "RR": "exp",
    "OR": "exp",
    "PETO": "exp",
    "ROM": "exp",
    "PLN": "exp",
    "PLO": "transf.ilogit",
    "PAS": "transf.iarcsin",
    "PFT": "transf.ipft.hm",
}
FIXED = ("FE", "EE", "CE")

# meta's function and summary measure per Concord measure (None: metagen on yi and vi).
META_CALLS = {
    "RR": ("metabin", "RR", ("ai", "n1i", "ci", "n2i")),
    "OR": ("metabin", "OR", ("ai", "n1i", "ci", "n2i")),
    "RD": ("metabin", "RD", ("ai", "n1i", "ci", "n2i")),
    "MD": ("metacont", "MD", ("n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i")),
    "SMD": ("metacont", "SMD", ("n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i")),
    "ROM": ("metacont", "ROM", ("n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i")),
    "PR": ("metaprop", "PRAW", ("xi", "ni")),
    "PLN": ("metaprop", "PLN", ("xi", "ni")),
    "PLO": ("metaprop", "PLOGIT", ("xi", "ni")),
    "PAS": ("metaprop", "PAS", ("xi", "ni")),
    "PFT": ("metaprop", "PFT", ("xi", "ni")),
    "MN": ("metamean", "MRAW", ("ni", "mi", "sdi")),
}
# metagen's label for the measures it pools from yi and vi (OR: shown back-transformed).
META_GEN_SM = {"PETO": "OR"}

_SYNTACTIC = re.compile(r"^[A-Za-z][A-Za-z0-9._]*$")


def r_string(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def r_name(column: str) -> str:
    """A column name as R code: backticks unless it is already a syntactic name."""
    return column if _SYNTACTIC.match(column) else "`" + column.replace("`", "\\`") + "`"


def r_number(x) -> str:
    return "NA" if x is None else format(x, ".10g")


def _labels(labels) -> str:
    # The CSV writer guards text cells against spreadsheet formulas; the code must name
    # the studies as they are written there.
    return "c(" + ", ".join(r_string(safe_cell(label)) for label in labels) + ")"


def _fit_args(spec: dict, model: str) -> str:
    return (
        f"method = {r_string(model)}, test = {r_string(spec['test'])}, "
        f"level = {r_number(spec['level'])}, control = ctl"
    )


# lme4's default stopping leaves a GLMM about 3e-6 short of its optimum; Concord's fit
# (and tests/analysis/r/glmm_reference.R) goes all the way.
GLMER_CONTROL = (
    'glmer_ctl <- list(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.02, rhoend = 1e-12, '
    'maxfun = 1e5), tolPwrss = 1e-11, boundary.tol = 0, check.conv.grad = lme4::.makeCC("ignore", tol = 1e-3))'
)


def _pooling(spec: dict) -> str:
    return spec.get("pooling", "iv")


def _call(spec: dict, model: str, subset: str = "") -> str:
    """The metafor call of the analysis' pooling model, optionally on a subset of studies."""
    sub = f"subset = {subset}, " if subset else ""
    level = r_number(spec["level"])
    pooling = _pooling(spec)
    if pooling == "mh":
        return (
            f"rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat, slab = study, {sub}"
            f"measure = {r_string(spec['measure'])}, level = {level})"
        )
    if pooling == "peto":
        return f"rma.peto(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat, slab = study, {sub}level = {level})"
    if pooling.startswith("glmm"):
        method = "FE" if pooling == "glmm-common" else "ML"
        return (
            f'rma.glmm(measure = "PLO", xi = xi, ni = ni, data = dat, slab = study, {sub}'
            f"method = {r_string(method)}, level = {level}, control = list(glmerCtrl = glmer_ctl))"
        )
    return f"rma(yi, vi, data = dat, slab = study, {sub}{_fit_args(spec, model)})"


def _iv_method(spec: dict) -> str:
    """R that names the inverse-variance model of the diagnostics under another pooling
    model: the analysis' own, with Concord's "auto" rule written out."""
    if spec["method"] != "auto":
        return r_string(spec["method"])
    return f'if (rma(yi, vi, data = dat, method = "FE")$I2 == 0) "FE" else {r_string(spec["re_method"])}'


def _concord(pooled: dict) -> str:
    return (
        f"# Concord: estimate {r_number(pooled['estimate'])}, CI [{r_number(pooled['ci_lb'])}, "
        f"{r_number(pooled['ci_ub'])}], tau^2 {r_number(pooled['tau2'])}, I^2 {r_number(pooled['I2'])}%"
    )


def _predict(measure: str, obj: str, ni: str = "dat$ni") -> str:
    transf = TRANSF.get(measure)
    if transf is None:
        return ""
    if transf == "transf.ipft.hm":
        return f"nat <- predict({obj}, transf = transf.ipft.hm, targs = list(ni = {ni}))"
    return f"nat <- predict({obj}, transf = {transf})"


POOLING_WORDS = {
    "mh": "Mantel-Haenszel, common effect",
    "peto": "Peto, common effect",
    "glmm-random": "GLMM (logit), random effects",
    "glmm-common": "GLMM (logit), common effect",
}


def _model_words(spec: dict, model: str) -> str:
    if _pooling(spec) in POOLING_WORDS:
        return f"{POOLING_WORDS[_pooling(spec)]}; intervals at {r_number(spec['level'])}%"
    words = "fixed (common) effect" if model in FIXED else f"random effects, tau^2 by {model}"
    if spec["method"] == "auto":
        words += ' (Concord\'s "auto" rule: fixed effect when I^2 = 0, random effects otherwise)'
    ci = "Knapp-Hartung t" if spec["test"] == "knha" else "normal (z)"
    return f"{words}; {ci} intervals at {r_number(spec['level'])}%"


def _escalc(measure: str, inputs: dict) -> str:
    args = ", ".join(f"{name} = {name}" for name in _escalc_ordered(dict.fromkeys(inputs)))
    return f"dat <- escalc(measure = {r_string(measure)}, {args}, data = dat)"


def _subgroups(spec: dict, results: dict, lines: list[str]) -> None:
    sub = results.get("subgroups") or {}
    if not sub.get("groups"):
        return
    field = sub["field"]
    members: dict[str, list[str]] = {}
    for label, study in zip(sub["labels"], sub["studies"], strict=True):
        members.setdefault(str(label), []).append(study)
    lines += [
        "",
        f"# Subgroups by {field}, each fitted on its own studies.",
        "res_sub <- list()",
    ]
    for label, pooled in sub["groups"].items():
        subset = f"study %in% {_labels(members[label])}"
        lines.append(f"res_sub[[{r_string(label)}]] <- {_call(spec, pooled['model'], subset)}")
        lines.append(_concord(pooled))
    lines += [
        "res_sub",
        "# Test for subgroup differences, a separate tau^2 per subgroup: Q between the",
        "# subgroup estimates (as R's meta and RevMan).",
        "q_between <- rma(sapply(res_sub, function(r) r$b[1]), sei = sapply(res_sub, function(r) r$se), "
        'method = "FE")',
        "c(Q = q_between$QE, df = q_between$k - 1, p = q_between$QEp)",
        f"# Concord: Q {r_number(sub.get('Q_between'))}, p {r_number(sub.get('Q_between_p'))}",
    ]
    if sub.get("QM") is not None and _pooling(spec) == "iv":
        mixed = spec["re_method"] if spec["method"] == "auto" else spec["method"]
        # Studies without a value for the field are in no subgroup.
        subset = (
            f"subset = study %in% {_labels(sub['studies'])}, " if sub.get("without_value") else ""
        )
        lines += [
            "# ... and with a common tau^2: the moderator test of the mixed-effects model.",
            f"res_mixed <- rma(yi, vi, mods = ~ factor(as.character({r_name(field)})), data = dat, "
            f"{subset}{_fit_args(spec, mixed)})",
            "c(QM = res_mixed$QM, p = res_mixed$QMp)",
            f"# Concord: QM {r_number(sub['QM'])}, p {r_number(sub['QM_p'])}",
        ]


def _sensitivity(spec: dict, results: dict, lines: list[str]) -> None:
    variants = [v for v in results.get("sensitivity", []) if v.get("pooled")]
    if not variants:
        return
    lines += [
        "",
        "# Sensitivity analyses: the same model without the studies each one drops.",
        "res_sens <- list()",
    ]
    for v in variants:
        subset = f"!(study %in% {_labels(v['dropped'])})" if v["dropped"] else ""
        lines.append(
            f"res_sens[[{r_string(v['label'])}]] <- {_call(spec, v['pooled']['model'], subset)}"
        )
        lines.append(_concord(v["pooled"]))
    lines.append("res_sens")


# A null proportion on each proportion's analysis scale (``meta.transforms.to_measure_scale``);
# PFT at the harmonic mean sample size, where transf.ipft.hm back-transforms.
NULL_ON_SCALE = {
    "PR": "null",
    "PLN": "log(null)",
    "PLO": "qlogis(null)",
    "PAS": "asin(sqrt(null))",
    "PFT": "with(list(n = 1 / mean(1 / dat$ni)), "
    "0.5 * (asin(sqrt(null * n / (n + 1))) + asin(sqrt((null * n + 1) / (n + 1)))))",
}


def _null(spec: dict, pooled: dict, lines: list[str]) -> None:
    """A single proportion is tested against the lead's null proportion, or not at all."""
    measure = spec["measure"]
    if measure not in NULL_ON_SCALE:
        return
    if spec.get("null_value") is None:
        lines.append(
            "# No null proportion is set: Concord shows no p-value (rma's tests the transformed estimate against 0)."
        )
        return
    test = pooled.get("null") or {}
    lines += [
        "# The test against the null proportion the lead set, on the analysis scale.",
        f"null <- {r_number(spec['null_value'])}",
        f"theta0 <- {NULL_ON_SCALE[measure]}",
        "z_null <- (res$b[1] - theta0) / res$se",
        "p_null <- if (is.na(res$ddf[1])) 2 * pnorm(-abs(z_null)) else 2 * pt(-abs(z_null), df = res$ddf[1])",
        "c(null = null, z = z_null, p = p_null)",
        f"# Concord: z {r_number(test.get('zval'))}, p {r_number(test.get('pval'))}",
    ]


def _small_study(results: dict, lines: list[str], fit: str = "res") -> None:
    tests = results.get("small_study") or {}
    calls = []
    egger = tests.get("egger")
    if egger and "error" not in egger:
        calls += [
            f"egger <- regtest({fit})  # Egger's regression test",
            "egger",
            f"# Concord: statistic {r_number(egger['statistic'])}, p {r_number(egger['pval'])}",
        ]
    begg = tests.get("begg")
    if begg and "error" not in begg:
        calls += [
            f"begg <- ranktest({fit})  # Begg's rank correlation",
            "begg",
            f"# Concord: Kendall's tau {r_number(begg['tau'])}, p {r_number(begg['pval'])}",
        ]
    tf = tests.get("trimfill")
    if tf and "error" not in tf:
        calls += [
            f"tf <- trimfill({fit})",
            "tf",
            f"# Concord: {tf['k0']} imputed on the {tf['side']}, estimate {r_number(tf['pooled']['estimate'])}",
        ]
    if calls:
        lines += ["", "# Small-study effects, as the run tested them.", *calls]


def _meta(spec: dict, results: dict, model: str) -> list[str]:
    measure = spec["measure"]
    fixed = model in FIXED
    common = [
        f"common = {'TRUE' if fixed else 'FALSE'}, random = {'FALSE' if fixed else 'TRUE'}",
        f"level = {r_number(spec['level'] / 100)}, level.ma = {r_number(spec['level'] / 100)}",
        "control = ctl",
    ]
    if not fixed:
        common.append(f"method.tau = {r_string(model)}")
        common.append(
            f"method.random.ci = {r_string('HK' if spec['test'] == 'knha' else 'classic')}"
        )
    call = META_CALLS.get(measure)
    pooling = _pooling(spec)
    if pooling in ("mh", "peto") or pooling.startswith("glmm"):
        method = {"mh": "MH", "peto": "Peto"}.get(pooling, "GLMM")
        function, args = (
            ("metaprop", ("xi", "ni"))
            if method == "GLMM"
            else ("metabin", ("ai", "n1i", "ci", "n2i"))
        )
        sm = {"MH": spec["measure"], "Peto": "OR", "GLMM": "PLOGIT"}[method]
        head = (
            f"meta::{function}({', '.join(args)}, data = dat, studlab = study, sm = {r_string(sm)}, "
            f"method = {r_string(method)}"
        )
        common = [
            f"common = {'FALSE' if pooling == 'glmm-random' else 'TRUE'}, "
            f"random = {'TRUE' if pooling == 'glmm-random' else 'FALSE'}",
            f"level = {r_number(spec['level'] / 100)}, level.ma = {r_number(spec['level'] / 100)}",
        ]
    elif call is None:
        sm = META_GEN_SM.get(measure, measure)
        head = f"meta::metagen(TE = yi, seTE = sqrt(vi), data = dat, studlab = study, sm = {r_string(sm)}"
    else:
        function, sm, args = call
        extra = ', method = "Inverse"' if function in ("metabin", "metaprop") else ""
        if measure == "SMD":
            extra += ', method.smd = "Hedges", exact.smd = TRUE'
        head = f"meta::{function}({', '.join(args)}, data = dat, studlab = study, sm = {r_string(sm)}{extra}"
    return [
        "",
        "# The same pooling with the meta package (version 7 or later), where it is installed.",
        'if (requireNamespace("meta", quietly = TRUE)) {',
        f"  m <- {head},",
        f"    {', '.join(common)})",
        "  print(m)",
        "}",
    ]


def r_code(*, name: str, results: dict, csv_name: str) -> str:
    """R code reproducing the run whose stored ``results`` are given, from ``csv_name``."""
    spec = results["spec"]
    pooled = results.get("pooled")
    header = [
        f"# {name}",
        "# Reproduces Concord's run from its data set: save the results page's \"data set for",
        f"# metafor\" download, {csv_name}, in R's working directory, then paste this.",
    ]
    if not pooled:
        return "\n".join([*header, NOTHING_POOLED.format(error=results.get("error", ""))]) + "\n"
    measure = spec["measure"]
    inputs = results["studies"][0]["inputs"]
    model = pooled["model"]
    lines = [
        *header,
        "library(metafor)",
        "",
        f'dat <- read.csv({r_string(csv_name)}, fileEncoding = "UTF-8", check.names = FALSE)',
        "# Concord iterates tau^2 to convergence; metafor's default stopping rule (1e-5) would",
        "# move the sixth decimal.",
        "ctl <- list(threshold = 1e-12, maxiter = 1000, tol = 1e-12)",
        "# escalc recomputes yi and vi from the inputs Concord pooled (replacing the exported yi, vi).",
        _escalc(measure, inputs),
        "",
        f"# {MEASURE_INPUTS[measure].outcome_type.capitalize()} outcome, {measure}: {_model_words(spec, model)}.",
        f"res <- {_call(spec, model)}",
        "res",
        _concord(pooled),
    ]
    if _pooling(spec).startswith("glmm"):
        lines.insert(lines.index(f"res <- {_call(spec, model)}"), GLMER_CONTROL)
    natural = _predict(measure, "res")
    if natural:
        n = pooled["natural"]
        lines += [
            "# On the natural scale:",
            natural,
            "nat",
            f"# Concord ({n['transform']}): estimate {r_number(n['estimate'])}, "
            f"CI [{r_number(n['ci_lb'])}, {r_number(n['ci_ub'])}]",
        ]
    _null(spec, pooled, lines)
    _subgroups(spec, results, lines)
    _sensitivity(spec, results, lines)
    diagnostics = "res"
    if _pooling(spec) != "iv":
        # Concord's diagnostics come from the inverse-variance fit, as they only exist for it.
        diagnostics = "res_iv"
        lines += [
            "",
            "# The inverse-variance fit behind the diagnostics below.",
            f"res_iv <- rma(yi, vi, data = dat, slab = study, method = {_iv_method(spec)}, "
            f"test = {r_string(spec['test'])}, level = {r_number(spec['level'])}, control = ctl)",
        ]
    _small_study(results, lines, diagnostics)
    lines += [
        "",
        "# Leave-one-out and influence diagnostics (analysis scale).",
        f"leave1out({diagnostics})",
        f"influence({diagnostics})",
    ]
    lines += _meta(spec, results, model)
    return "\n".join(lines) + "\n"


def csv_name(analysis_name: str) -> str:
    """The data-set download's file name (``views.downloads.dataset``)."""
    from django.utils.text import slugify

    return f"{slugify(analysis_name)}-data.csv"
