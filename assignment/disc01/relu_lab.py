"""ReLU SGD lab: the data, the networks and a fast engine for the Discussion 1 experiment.

Support code that ships with the student notebook. It trains many one-hidden-layer ReLU
networks at once with exactly the SGD of the course's notebook (minibatches drawn with
replacement by ``rng.integers(0, N, size=batch)`` once per step, mean squared error, plain
SGD steps), but without per-step Python overhead: the loop is compiled with numba when numba
is installed and vectorized over runs with numpy otherwise. Only numpy, torch, matplotlib
and (for the slider) ipywidgets are required.

The notebook imports everything from here; the code lives beside it, one file per job:
``relu_data`` (the target, the data sets, the networks and the experiment's settings),
``relu_engine`` (``run_experiment``, the ``Experiment`` it returns and its two engines) and
``relu_plots`` (the figures, the history slider and the training's progress line).
"""

from __future__ import annotations

if __package__:  # assignment.disc01.relu_lab: the course's own code and tests
    from .relu_data import (
        KNOT_HEIGHTS,
        KNOTS,
        REGIMES,
        Dataset,
        ExperimentConfig,
        Regime,
        RunSpec,
        make_dataset,
        make_network,
        minibatch_rng,
        network_params,
        target_function,
    )
    from .relu_engine import Experiment, run_experiment
    from .relu_plots import history_slider, plot_fit, plot_mse, plot_mse_across_seeds
else:  # beside the notebook, where the support files are top-level modules
    from relu_data import (
        KNOT_HEIGHTS,
        KNOTS,
        REGIMES,
        Dataset,
        ExperimentConfig,
        Regime,
        RunSpec,
        make_dataset,
        make_network,
        minibatch_rng,
        network_params,
        target_function,
    )
    from relu_engine import Experiment, run_experiment
    from relu_plots import history_slider, plot_fit, plot_mse, plot_mse_across_seeds

__all__ = [
    "KNOTS",
    "KNOT_HEIGHTS",
    "target_function",
    "Dataset",
    "make_dataset",
    "make_network",
    "Regime",
    "REGIMES",
    "ExperimentConfig",
    "Experiment",
    "run_experiment",
    "network_params",
    "plot_fit",
    "plot_mse",
    "plot_mse_across_seeds",
    "history_slider",
    # Not for students, but the course's own code and tests use them as relu_lab's.
    "RunSpec",
    "minibatch_rng",
]
