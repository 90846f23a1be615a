"""Plotting functions, one per figure of the paper, plus a pipeline sketch.

Every function takes tidy data (pandas DataFrames with the documented columns, one
row per point), an optional matplotlib ``ax`` (or ``axes`` for multi-panel figures)
to draw into, and returns the :class:`matplotlib.figure.Figure`. Uncertainties are drawn
wherever an uncertainty column is present: ``<y>_lo`` and ``<y>_hi`` (interval bounds,
preferred) or ``<y>_err`` (symmetric); as error bars for up to ``style.DENSE_POINTS``
points per series, as a shaded band under the line for more (the 121 bias shifts of
Figs. 1, 2, 7, 8). Legends sit outside the data region, and what the paper draws as an
inset (Figs. 1, 2, 4) is a panel of its own to the right of the main one, so that no
curve is hidden (``tests/test_figure_layout.py`` checks both geometrically).

Colours follow the paper: classifiers trained at T = 1.0 ... 2.0 run from dark blue
(coldest) to light red (hottest); the softness classifier (T = 0.45) is black.

Where each figure lives (modules of this package; every function is importable from
here, e.g. ``glasshelpers.figures.fig1_cv_accuracy``). ``style`` also holds the private
helpers the figure modules share.

========  ==================================================  ==============
figure    function                                            module
========  ==================================================  ==============
Fig. 1    fig1_cv_accuracy                                    classification
Fig. 2    fig2_transfer                                       classification
Fig. 3    fig3_kramers, fig3_kramers_pair, fig3_fit_variants  barriers
Fig. 4    fig4_barrier_collapse                               barriers
Fig. 5    fig5_fluidity_distributions                         classification
Fig. 6    fig6_accuracy_vs_C                                  classification
Fig. 7    fig7_accuracy_vs_bias_fractions                     classification
Fig. 8    fig8_control                                        classification
Fig. 9    fig9_kramers_all                                    barriers
pipeline  data_flow_diagram                                   diagram
colours   training_cmap, temperature_color                    style
========  ==================================================  ==============

Table I is built by :func:`glasshelpers.reference.paper.table1`.
"""

from glasshelpers.figures.barriers import (fig3_fit_variants, fig3_kramers, fig3_kramers_pair, fig4_barrier_collapse,
                       fig9_kramers_all, pd_unique_sorted)
from glasshelpers.figures.classification import (fig1_cv_accuracy, fig2_transfer, fig5_fluidity_distributions, fig6_accuracy_vs_C,
                             fig7_accuracy_vs_bias_fractions, fig8_control)
from glasshelpers.figures.diagram import PIPELINE_STEPS, data_flow_diagram
from glasshelpers.figures.style import SOFTNESS_T, TRAINING_COLORS, temperature_color, training_cmap

__all__ = [
    "training_cmap", "temperature_color",
    "fig1_cv_accuracy", "fig2_transfer", "fig3_kramers", "fig3_kramers_pair", "fig3_fit_variants", "fig4_barrier_collapse",
    "fig5_fluidity_distributions", "fig6_accuracy_vs_C", "fig7_accuracy_vs_bias_fractions",
    "fig8_control", "fig9_kramers_all", "data_flow_diagram",
    "TRAINING_COLORS", "SOFTNESS_T", "PIPELINE_STEPS", "pd_unique_sorted",
]
