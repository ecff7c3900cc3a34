"""Impact estimation: every estimate with its method, n, standard error and 95% CI.

The stable public API (README, "Impact evaluation") is re-exported here; see ARCHITECTURE.md for
the modules. Every estimator returns an :class:`Effect`.
"""

from ._data import design
from .balance import balance
from .bootstrap import bootstrap_ci
from .costs import gamma_glm, two_part
from .counts import count_model
from .effect import Effect, as_frame
from .estimators import did, difference_in_means, regression_adjusted
from .event_study import WaldTest, event_study, pretrend_test
from .matching import match, matched_effect
from .power import design_effect, minimum_detectable_effect, minimum_detectable_rate_ratio
from .simulate import simulate_cohort, simulate_panel
from .weighting import effective_sample_size, ipw, ipw_weights, propensity_score

__all__ = [
    "Effect", "as_frame", "WaldTest",
    "difference_in_means", "regression_adjusted", "did",
    "propensity_score", "ipw", "ipw_weights", "effective_sample_size",
    "balance", "count_model", "gamma_glm", "two_part", "match", "matched_effect",
    "event_study", "pretrend_test", "bootstrap_ci",
    "minimum_detectable_effect", "minimum_detectable_rate_ratio", "design_effect",
    "simulate_panel", "simulate_cohort", "design",
]
