"""Margins of practical equivalence for the paper's Table I, and the dated record of the
rules that turn our intervals into verdicts.

Each Table I cell is compared in the paper's own definition (units of the SVM's decision
function for b, sigma_T and b_best; the plain dot product of the unit normals for the
similarity, :mod:`glasshelpers.reference.paper`). A cell's verdict
(:func:`judge_equivalence`) is

* **agrees** when our 90 % interval lies inside the paper's value +- the margin (two
  one-sided tests at 5 % each),
* **disagrees** when our 95 % interval lies wholly outside the paper's value +- the margin,
* **inconclusive** otherwise.

A margin says how far from the paper's number ours may lie and still support the paper's
use of it. Every quantity below enters the paper's analysis through
x_alpha = (alpha + b_best) / sigma_T, whose bins are 0.5 wide over ``|x_alpha| <= 2.5``: a
difference that moves x_alpha by less than half a bin anywhere in that range changes no
bin a particle falls in by more than one and no conclusion drawn from the binned barriers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glasshelpers.pipeline.results import fmt_ci, verdict

#: z of a two-sided 95 % normal interval: 68 % intervals are widened by 1.96 (their half-width is ~1 sigma).
Z95 = 1.96
#: z of a two-sided 90 % normal interval (the two one-sided 5 % tests of an equivalence claim).
Z90 = 1.6449


def widen95(est, lo, hi):
    """95 % bounds from a 68 % interval: each side widened by 1.96 about the estimate."""
    est, lo, hi = (np.asarray(v, dtype=float) for v in (est, lo, hi))
    return est - Z95 * (est - lo), est + Z95 * (hi - est)


def ci95(r, est, lo, hi):
    """95 % interval from columns ``lo95/hi95`` if present, else widened 68 % columns."""
    if f"{lo}95" in r and f"{hi}95" in r and np.isfinite(r[f"{lo}95"]):
        return float(r[f"{lo}95"]), float(r[f"{hi}95"])
    if lo in r and hi in r:
        a, b = widen95(r[est], r[lo], r[hi])
        return float(a), float(b)
    return np.nan, np.nan


def judge_equivalence(lo90, hi90, lo95, hi95, target: float, margin: float) -> bool | None:
    """Equivalence within a declared margin (:mod:`glasshelpers.reference.margins`): True
    (agrees) when the 90 % interval lies inside ``target +- margin`` (two one-sided tests at
    5 % each), False (disagrees) when the 95 % interval lies wholly outside it, None
    (inconclusive) otherwise, and for an interval that is not finite."""
    vals = np.array([lo90, hi90, lo95, hi95], dtype=float)
    if not np.isfinite(vals).all():
        return None
    lo_m, hi_m = target - margin, target + margin
    if lo_m <= lo90 and hi90 <= hi_m:
        return True
    if hi95 < lo_m or lo95 > hi_m:
        return False
    return None


def interval90(r, col: str) -> tuple[float, float]:
    """90 % interval of column ``col`` of a result row: its ``_lo90/_hi90`` columns, else each
    side of the 95 % interval (or of the 68 % one) scaled to 90 % for a normal estimator."""
    if f"{col}_lo90" in r and np.isfinite(r[f"{col}_lo90"]):
        return float(r[f"{col}_lo90"]), float(r[f"{col}_hi90"])
    lo, hi = ci95(r, col, f"{col}_lo", f"{col}_hi")
    k = Z90 / Z95
    est = float(r[col])
    return est - k * (est - lo), est + k * (hi - est)


#: x_alpha bin width and the largest ``|x_alpha|`` binned (profiles' ``analysis.x_bins``)
X_BIN = 0.5
X_MAX = 2.5


@dataclass(frozen=True)
class Margin:
    """The margin of one Table I column: ``column`` of our table (the paper's definition),
    ``paper`` its index in :data:`glasshelpers.reference.paper.PAPER_TABLE1` rows,
    ``relative`` (a fraction of the paper's value) or ``absolute`` (in the column's units),
    ``scale`` (a fraction of the paper's sigma_T at that temperature), and ``why``."""

    column: str
    label: str
    paper: int
    why: str
    relative: float | None = None
    absolute: float | None = None
    scale: float | None = None
    fixed: str = "2026-12-07"

    def of(self, row) -> float:
        """The margin for one paper row (T, b, sigma_T, b_best, similarity)."""
        if self.relative is not None:
            return self.relative * abs(float(row[self.paper]))
        if self.scale is not None:
            return self.scale * float(row[2])
        return float(self.absolute)


#: The margin of every Table I column judged against the paper.
TABLE1_MARGINS = (
    Margin("sigma_T_raw", "sigma_T", 2, relative=0.5 * X_BIN / X_MAX,
           why="a relative change d of sigma_T moves x_alpha by d times x_alpha, at most 2.5 d over the "
               "binned range: half a bin (0.25) for d = 10 %"),
    Margin("b_best_raw", "b_best", 3, scale=0.5 * X_BIN,
           why="a change of b_best moves every x_alpha by it over sigma_T: at most half a bin (0.25) for a "
               "change of 0.25 sigma_T"),
    Margin("b_raw", "b", 1, scale=0.5 * X_BIN,
           why="the trained bias, on the scale of b_best (x_alpha does not use it): 0.25 sigma_T"),
    Margin("similarity_own", "w_hat_S . w_hat_alpha", 4, absolute=0.1,
           why="smaller than the spread of the paper's own values over the fluid training temperatures "
               "(0.66-0.82), so a difference within it leaves the paper's ordering and its claim "
               "(similar directions) as they are"),
)

@dataclass(frozen=True)
class ClaimRule:
    """How one of the paper's claims (other than Table I's cells) is judged: the
    ``quantity`` we measure, what the paper says (``paper``), the ``rule`` (value: 90 %
    interval inside the band / 95 % outside; bound: 95 % interval on the claimed side /
    wholly on the other; consistency: a test of equality that must not reject, with
    intervals narrow enough to mean something), the ``band`` or bound, and ``why``."""

    key: str
    quantity: str
    paper: str
    rule: str
    band: str
    why: str
    fixed: str = "2026-12-07"


#: Accuracy of a coin on a balanced set.
CHANCE = 0.5
#: Largest accuracy lost at the trained bias for it to be "near the best one".
NEAR_BEST_GAP = 0.02
#: Largest accuracy gap for softness to "nearly match" fluidity, and the bias shift that is "strong".
SOFTNESS_GAP, SHIFTED_BIAS = 0.05, 0.25
#: The similarity above which two directions are "similar".
SIMILAR_DIRECTION = 0.5
#: Largest spread of accuracy over the tail fraction q for a "weak" dependence.
Q_SPREAD = 0.05
#: Largest transfer-accuracy difference for two labellings to give "the same" transfer.
SAME_TRANSFER = 0.02
#: Median 95 % half-widths below which a collapse of Delta_E (epsilon) and of Sigma means something.
COLLAPSE_RESOLUTION, SIGMA_COLLAPSE_RESOLUTION = 0.3, 0.35
#: Half a bin of x_alpha, in units of sigma_T: the variation of b_best that matters.
BIAS_VARIES = 0.25

#: Every claim's rule, in the book's methods chapter (a test keeps them in step).
CLAIM_RULES = (
    ClaimRule("above_chance", "best accuracy on a balanced set (Figs. 1, 2)", "above chance",
              "bound", f"95 % interval above {CHANCE:g}",
              "a balanced set: 0.5 is a coin; the paper's claim is one-sided"),
    ClaimRule("near_best", "accuracy lost at the trained bias (Fig. 1)", "near-peak accuracy at small bias",
              "value", f"0 +- {NEAR_BEST_GAP:g}",
              "two points of accuracy is below what the paper's Fig. 1 resolves by eye"),
    ClaimRule("softness_matches", "fluidity minus softness accuracy on the fluid sets (Fig. 1 inset)",
              "almost as good, with a very different bias", "bound",
              f"gap below {SOFTNESS_GAP:g} at 95 %, and |db| > {SHIFTED_BIAS:g}",
              "five points is 'almost as good' for accuracies of 0.7-0.8; a bias shift of 0.25 is half a bin"),
    ClaimRule("similar_direction", "similarity of a fluidity classifier to softness (Table I)",
              "quite similar", "bound", f"95 % interval above {SIMILAR_DIRECTION:g}",
              "cosines above 0.5 mean an angle below 60 degrees in 100 dimensions, where random "
              "directions give about 0.1"),
    ClaimRule("bias_varies", "b_best across the fluid training temperatures (Fig. 2)", "varies strongly",
              "value", f"agrees: equality rejected (chi2, 5 %) and the spread exceeds {BIAS_VARIES:g} sigma_T; "
              f"disagrees: every b_best within +-{BIAS_VARIES:g} sigma_T of their mean at 90 %",
              "half a bin of x_alpha; testing equality of all of them avoids picking the largest and smallest "
              "of noisy estimates"),
    ClaimRule("q_weak", "spread of accuracy over the tail fraction q (Figs. 6, 7)", "weak dependence",
              "bound", f"spread below {Q_SPREAD:g} at 95 %", "five points of accuracy over a factor 4 in q"),
    ClaimRule("immobile_worse", "fluidity minus immobile-vs-random accuracy (Fig. 8)", "lower",
              "bound", "paired 95 % interval above 0", "the claim is one-sided"),
    ClaimRule("same_transfer", "fluidity minus displacement-labelled accuracy (text)", "qualitatively identical",
              "value", f"0 +- {SAME_TRANSFER:g}", "two points of accuracy, as for near_best"),
    ClaimRule("onset_value", "the onset temperature (Fig. 9)", "T0 ~ 0.87; 0.8-1.2 reasonable",
              "value", "0.8-1.2", "the range the paper itself calls reasonable"),
    ClaimRule("slope_negative", "dDelta_E / dx_alpha per classifier (Fig. 4)", "barriers fall with x_alpha",
              "bound", "95 % interval below 0", "the claim is one-sided"),
    ClaimRule("collapse", "barriers per bin across classifiers (Fig. 4)", "almost identical", "consistency",
              "chi2 of each bin's barriers about their mean p >= 0.05, median 95 % half-width <= 0.3",
              "a test of equality that fails to reject says nothing unless the intervals are narrow; 0.3 is "
              "about a tenth of the barriers' range"),
    ClaimRule("collapse_sigma", "Sigma per bin across classifiers (Fig. 4)", "almost identical", "consistency",
              "chi2 of each bin's Sigma about their mean p >= 0.05, median 95 % half-width <= 0.35",
              "Sigma and Delta_E / T enter P_R together: 0.3 epsilon over T0 ~ 0.87 is 0.35"),
    ClaimRule("one_onset", "onset per classifier (Fig. 9)", "the same for all", "consistency",
              "chi2 of the onsets p >= 0.05, median 95 % half-width <= 0.1", "0.1 is the onset resolution"),
)

#: the words of every verdict row judged by a declared margin
DECLARED = "in the paper's definition"

#: The rules behind the verdicts, each with the date it was fixed and, for a change, why.
RULE_HISTORY = (
    ("2026-11-25", "verdicts from 95 % intervals: a value claim agrees when the interval contains the paper's "
                   "value and is narrower than a stated resolution, disagrees when it excludes it",
     "first rule"),
    ("2026-11-25", "the Kramers fit range is chosen from the data (a goodness-of-fit scan over the upper "
                   "temperature), among ranges of at least four temperatures",
     "a fixed T_max hid curvature; the four-temperature minimum came after demo's fits were seen "
     "(T <= 0.5 alone had passed)"),
    ("2026-12-01", "the fit range is the widest range that passes the curvature test of a likelihood fit of "
                   "the counts (zeros kept), with no variance rescaling",
     "the weighted chi-square rule rescaled variances when no range passed; changed after barrier's "
     "fits were seen"),
    ("2026-12-02", "b_best is the maximiser of a kernel-smoothed accuracy (Horowitz's smoothed maximum score), "
                   "not the argmax of the step function",
     "the argmax converges as n^-1/3, is not normal and jumps on flat accuracy curves; changed after demo's "
     "two seeds disagreed at T = 1.8 (z = -4.9)"),
    ("2026-12-07", "Table I is compared in the paper's own definitions (decision-function units, plain dot "
                   "product of the unit normals) with the margins above: agrees when the 90 % interval lies "
                   "inside the paper's value +- margin, disagrees when the 95 % interval lies outside, else "
                   "inconclusive",
     "our distance units differ from the paper's by the norm of w, and failing to reject is not agreement; the margins "
     "follow from the x_alpha binning alone (demo's sigma_T times the norm of w from an earlier run, 0.66-0.87, had been "
     "seen; no verdict under this rule had)"),
    ("2026-12-07", "the literature-onset value is judged on its own interval; the curvature test is a claim "
                   "of its own",
     "the onset verdict had been set to 'disagrees' whenever the curvature test failed, whatever its interval"),
    ("2026-12-07", "two realisations of one profile are compared row by row with the same margins and rule "
                   "(accuracy 0.03, similarity 0.1, sigma_T 10 %, b_best 0.25 sigma_T); the table disagrees "
                   "when a Holm-corrected one-sided test of |d| > margin rejects at 2.5 %",
     "a row had agreed whenever a Holm-corrected z-test failed to reject (b_best at T = 1.8 agreed as "
     "0.87 +- 0.14 against 0.06 +- 0.29); the two seeds' rows had been seen"),
    ("2026-12-07", "every value claim (onset range, near-best bias, same transfer, the simulation's published values) "
                   "agrees only when its 90 % interval lies inside the declared band; 'b_best varies' tests the "
                   "equality of all fluid b_best at once (CLAIM_RULES)",
     "an interval that overlapped a band and was narrower than a resolution had agreed, and the largest minus "
     "the smallest of six noisy estimates is biased upwards; no profile had been judged under the new rule"),
    ("2026-12-07", "the shelf's equilibrium states: stationary when the mean change between the halves over the "
                   "states lies within 0.005 epsilon (U/N) and 0.05 (F_s at tau_alpha) at 90 %; published U/N, "
                   "tau_alpha, D_A and curves within 0.01 epsilon, 20 %, 15 %, 15 % / 0.05",
     "first rule for the shelf, fixed before any of its states was measured"),
    ("2026-12-07", "the shelf's stationarity: U/N's drift is the slope of a straight line through the run's last "
                   "stretch (the measured 4 tau_alpha and the equilibration's last 4), quoted over 2 tau_alpha, "
                   "within 0.005 epsilon at 90 %; F_s's change between the halves counts only when it lies outside "
                   "0.05 at 95 % (ageing)",
     "with K = 4 the half-differences scatter by 0.005-0.013 (U/N) and 0.05-0.1 (F_s), so no temperature could "
     "reach a verdict; seen for 2.0-0.47 (halves all undetermined, the slope quoted over half the measured stretch "
     "stationary at 0.8 and 0.50 only), fixed before any state at 0.45 was measured; margins unchanged"),
    ('2026-12-07',
     "a run that starts from a shelf state made at its own temperature takes the shelf's cross-state verdict at that temperature (stationary: equilibrated, ageing: ageing, undetermined: untested); its own halves tests are reported and not counted",
     "seen on demo's first build from the shelf: its 0.47 run (halves of 1.4 tau_alpha) failed all three halves tests (U/N -6.9754 against -6.9626). Calibrated on the shelf's own equilibrium states, independent of that run, the U/N halves test fails 4 of 8 windows of 1200 tau at 0.47, 7 of 20 of 600 tau, and 18-50 % of 300-tau windows at 0.47-0.55, against a nominal 1.7 %: block errors follow the fast part of U/N and miss its slow fluctuations"),
)


def judge_cells(r, p, soft: bool) -> list:
    """Verdict rows of one Table I row ``r`` (ours, with the :data:`TABLE1_MARGINS` columns and
    their intervals) against the paper's row ``p``, by :func:`judge_equivalence`; softness's
    similarity with itself is left out (1 by definition). Every row's claim holds
    :data:`DECLARED`."""
    out = []
    for m in TABLE1_MARGINS:
        if (soft and m.column == "similarity_own") or not np.isfinite(r[m.column]):
            continue
        sign = -1.0 if m.column.startswith("b") else 1.0          # the paper's sign convention for biases
        est = sign * float(r[m.column])
        lo95, hi95 = sorted(sign * v for v in ci95(r, m.column, f"{m.column}_lo", f"{m.column}_hi"))
        lo90, hi90 = sorted(sign * v for v in interval90(r, m.column))
        target, margin = float(p[m.paper]), m.of(p)
        out.append(verdict(f"Table I, T = {r['T']:g}: {m.label} {DECLARED} equals the paper's "
                           f"within +-{margin:.3g} ({m.why})", f"{target:.4f} +- {margin:.3g}",
                           fmt_ci(est, lo95, hi95) if np.isfinite(lo95) else f"{est:.3f} (no interval)",
                           judge_equivalence(lo90, hi90, lo95, hi95, target, margin), items=("table1",)))
    return out


def summary(v) -> dict:
    """How many Table I cells were judged by declared margins (``cells``), how many agree and
    disagree, and how many chance alone could turn into each at these levels (5 % and 2.5 %
    a cell): ``chance_agree``, ``chance_disagree``."""
    cells = v[v["claim"].str.contains(DECLARED, regex=False)] if len(v) else v
    n = len(cells)
    return {"cells": n, "agree": int((cells["verdict"] == "agrees").sum()) if n else 0,
            "disagree": int((cells["verdict"] == "disagrees").sum()) if n else 0,
            "chance_agree": 0.05 * n, "chance_disagree": 0.025 * n}
