"""The ASNN paper's protocol, reproduced with a control and with statistics.

Hong (2025) trains ASNN on every trial of a grid of MLPs (2 hidden layers x 5 sizes, or 3 x 4,
10 training runs per config), lets it suggest architectures by its iterative procedure
(suggest, train, add the result, retrain), off-grid sizes allowed, and reports that a
suggestion's accuracy beats the grid's best. It gives no test and no control. Here, per data
set and grid:

1. The grid's recorded trials (the trained tables: every config x 10 training seeds) are
   handed to the strategy (`strategies.Strategy.tell_unasked`: it never asked for them), on
   an *open* space with every whole size in the grid's range per layer,
   so it may suggest sizes the grid never had.
2. It suggests ``k`` architectures one after another; each is trained with the same recipe
   and the same 10 training seeds as the grid (through the training cache: a rerun trains
   nothing) and its 10 validation accuracies are told back before the next suggestion.
3. A *control* suggests as many architectures by a naive rule: random perturbations of the
   grid's best (each layer's size times 2^u, u uniform in [-1, 1], kept in the range, never a
   grid config or a repeat), trained the same way.
4. Each suggestion is compared with the grid's best config (chosen on validation accuracy, as
   a search would) on **test** accuracy, which neither ASNN nor the choice of the best ever
   saw: the difference of seed-means with a Welch 95 % interval, and one-sided tests over the
   training seeds (Welch t and Mann-Whitney U, "the suggestion is better"), Holm-corrected
   over the first 5 and over all ``k`` suggestions of a method.

Everything but the timings follows from the seed (training is deterministic given recipe,
config and training seed). The write-up is `write_report`'s ``report.md``.

The protocol is in ``_protocol`` (`run_setting`), its statistics in ``_summary`` (`summarise`,
`as_json`) and the write-up in ``_write`` (`write_report`).
"""

from experiments.asnn_paper._protocol import (
    ALPHA,
    CONFIDENCE,
    K_REPORTED,
    METHODS,
    N_TRAINING_SEEDS,
    PAPER,
    Comparison,
    Setting,
    Suggestion,
    TrainFn,
    Trials,
    compare_to_best,
    control_sequence,
    open_space,
    run_setting,
)
from experiments.asnn_paper._summary import (
    against_control,
    as_json,
    detectable_difference,
    reported_ks,
    summarise,
)
from experiments.asnn_paper._write import draw, markdown, write_report

__all__ = [
    "ALPHA",
    "CONFIDENCE",
    "K_REPORTED",
    "METHODS",
    "N_TRAINING_SEEDS",
    "PAPER",
    "Comparison",
    "Setting",
    "Suggestion",
    "TrainFn",
    "Trials",
    "against_control",
    "as_json",
    "compare_to_best",
    "control_sequence",
    "detectable_difference",
    "draw",
    "markdown",
    "open_space",
    "reported_ks",
    "run_setting",
    "summarise",
    "write_report",
]
