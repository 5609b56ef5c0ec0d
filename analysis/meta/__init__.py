"""Concord's statistics engine: effect sizes, pooling, heterogeneity, subgroups,
sensitivity and small-study analyses, conversions and plots. Pure numpy/scipy/matplotlib;
imports nothing from Django.

Names and conventions follow R's metafor so that every number can be checked against it.
"""

# conversions, glmm and plots belong to another engineer; their public names are
# re-exported here explicitly. When one of them gains a public name, add it here too.
from .confint import ConfintResult, Interval, confint
from .conversions import (
    MeanSD,
    hozo,
    hozo_mean,
    hozo_sd,
    luo_mean,
    median_to_mean_sd,
    scenario,
    shi_sd,
    wan_mean,
    wan_sd,
)
from .cumul import CumulResult, cumul
from .effect_sizes import MEASURES, EffectSizes, escalc
from .errors import ConvergenceError
from .fitstats import FitStats
from .glmm import GLMMResult, rma_glmm
from .glmm_subgroups import GLMMSubgroupResult, glmm_subgroup
from .heterogeneity_q import QHeterogeneity, q_heterogeneity
from .influence import InfluenceResult, Leave1outResult, influence, leave1out, outliers
from .mantel_haenszel import MHResult, rma_mh
from .model import rma
from .peto import PetoResult, rma_peto
from .plots import cumul_forest_plot, forest_plot, funnel_plot, save_figure
from .predict import PredictResult, predict
from .prediction_interval import PI_TYPES
from .proportion_ci import (
    ProportionCI,
    clopper_pearson,
    proportion_ci,
    proportion_ci_label,
    wilson,
)
from .results import RmaResult, Transformed
from .small_study import RankTest, RegressionTest, harbord, peters, ranktest, regtest
from .subgroups import SubgroupResult, subgroup
from .transforms import back_transform
from .trimfill import TrimfillResult, trimfill

__all__ = [
    "MEASURES",
    "ConfintResult",
    "ConvergenceError",
    "CumulResult",
    "EffectSizes",
    "FitStats",
    "GLMMResult",
    "GLMMSubgroupResult",
    "InfluenceResult",
    "Interval",
    "Leave1outResult",
    "MHResult",
    "MeanSD",
    "PI_TYPES",
    "PetoResult",
    "PredictResult",
    "ProportionCI",
    "QHeterogeneity",
    "RankTest",
    "RegressionTest",
    "RmaResult",
    "SubgroupResult",
    "Transformed",
    "TrimfillResult",
    "back_transform",
    "confint",
    "cumul",
    "cumul_forest_plot",
    "clopper_pearson",
    "escalc",
    "forest_plot",
    "funnel_plot",
    "glmm_subgroup",
    "harbord",
    "hozo",
    "hozo_mean",
    "hozo_sd",
    "influence",
    "leave1out",
    "luo_mean",
    "median_to_mean_sd",
    "outliers",
    "peters",
    "predict",
    "proportion_ci",
    "proportion_ci_label",
    "q_heterogeneity",
    "ranktest",
    "regtest",
    "rma",
    "rma_glmm",
    "rma_mh",
    "rma_peto",
    "save_figure",
    "scenario",
    "shi_sd",
    "subgroup",
    "trimfill",
    "wan_mean",
    "wan_sd",
    "wilson",
]
