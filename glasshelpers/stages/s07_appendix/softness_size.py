"""Softness against the size of its training set: does Table I's softness row depend on n?

The paper trained softness on 3800 samples per class; a laptop profile affords a few
hundred (demo: 400). At a fixed C n (the paper's 38) a linear SVM fitted on fewer samples
has a noisier normal, and the raw decision function (the paper's units) scales with
``|w|``. This control redraws the softness training set at the softness temperature with
the profile's rule and thresholds (p_c, the profile's p_l, the quiet time) for several
sizes n per class, several draws each, trains each at C = C n / n, and reports in the
paper's definitions

* ``sigma_T_raw``: the standard deviation of the decision function over every A particle
  and bank frame at the softness temperature (``sigma_T |w|``);
* ``b_best_paper``: the best bias shift on the profile's T = 0.47 test set (the smoothed
  maximiser), in decision-function units and the paper's sign (``-b_best |w|``);
* ``w_norm`` (``|w|`` in standardised features), ``sigma_T`` and ``b_best`` in distance
  units, the accuracy at the best shift, and the cosine of each normal with the profile's
  softness classifier.

Draw 0 uses the profile's seed, so at n = ``labels.softness_per_class`` it is the very
classifier of Table I (a test checks it). Run it after the profile's workflow with
``python -m glasshelpers.stages.s07_appendix.softness_size --profile demo``; it writes
``controls/softness_set_size.csv`` in the profile's folder.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from tqdm import tqdm

from glasshelpers.core.dynamics import labels
from glasshelpers.core.dynamics.dynamics import STRUCTURE_LAG
from glasshelpers.core.learning import maxscore
from glasshelpers.core.learning.classify import train_classifier
from glasshelpers.pipeline import paths
from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.products.banks import labelled_features, load_bank, load_phop
from glasshelpers.products.classifiers import penalty, softness_classifier
from glasshelpers.products.labelled import softness_p_l, test_set
from glasshelpers.products.trajectories import load_trajectory

#: Seed offset between draws (draw k uses the profile's seed + k x DRAW_STRIDE).
DRAW_STRIDE = 1009


def default_sizes(per_class: int, available: int) -> list[int]:
    """Sizes per class: a quarter, half, one, two and four times the profile's, and 90 % of
    the candidates the run holds (the largest set it can fill), each at most that."""
    top = int(0.9 * available)
    want = {max(10, per_class // 4), max(10, per_class // 2), per_class, 2 * per_class, 4 * per_class, top}
    return sorted(n for n in want if 10 <= n <= top)


def softness_set_size(profile: Profile, sizes=None, draws: int = 3, progress: bool = True) -> pd.DataFrame:
    """One row per (n per class, draw): columns ``n_per_class``, ``draw``, ``C``, ``w_norm``,
    ``sigma_T`` (distance units), ``sigma_T_raw`` (decision-function units), ``b_best``
    (distance units, our sign), ``b_best_paper`` (decision-function units, the paper's
    sign), ``best_accuracy``, ``similarity_plain`` (cosine with the profile's softness
    normal), ``candidates`` (the smaller class's candidates) and ``wall_s``."""
    lab = profile.labels
    T = float(lab.softness_temperature)
    p_l = softness_p_l(profile)
    ph, traj = load_phop(profile, T), load_trajectory(profile, T)
    bank = load_bank(profile, T, progress=False)["features"]
    population = bank.reshape(-1, bank.shape[-1]).astype(float)
    ts, ref = test_set(profile, p_l), softness_classifier(profile)
    rule = dict(p_l=float(p_l), p_c=float(lab.p_c), quiet_time=int(lab.quiet_time), lag=STRUCTURE_LAG)
    counts = labels.candidate_counts(ph["phop"], ph["types"], "softness", **rule)
    available = int(min(counts.values()))
    sizes = default_sizes(int(lab.softness_per_class), available) if sizes is None else [int(n) for n in sizes]
    rows = []
    for n in tqdm(sizes, desc="softness set sizes", disable=not progress):
        for k in range(int(draws)):
            start = time.perf_counter()
            seed = int(profile.seed) + k * DRAW_STRIDE
            s = labels.softness_labels(ph["phop"], ph["types"], n, seed=seed, **rule)
            X = labelled_features(profile, T, s.particle, s.frame, traj=traj)
            C = penalty(profile, "softness", n)
            clf = train_classifier(X, np.asarray(s.label, dtype=np.int8), C=C, seed=int(profile.seed))
            sigma = float(np.std(population @ clf.w_raw))
            best = maxscore.smoothed_best_bias(clf.decision(ts["X"]), ts["y"], b=clf.b)
            rows.append({"n_per_class": n, "draw": k, "C": C, "w_norm": float(clf.w_norm), "sigma_T": sigma,
                         "sigma_T_raw": sigma * float(clf.w_norm), "b_best": float(best.b_best),
                         "b_best_paper": -float(best.b_best) * float(clf.w_norm), "best_accuracy": float(best.accuracy),
                         "similarity_plain": float(clf.w_hat @ ref.w_hat), "candidates": available,
                         "wall_s": time.perf_counter() - start})
    return pd.DataFrame(rows)


def summary(scan: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over draws of each quantity, per n per class."""
    q = ["w_norm", "sigma_T", "sigma_T_raw", "b_best", "b_best_paper", "best_accuracy", "similarity_plain"]
    g = scan.groupby("n_per_class")[q]
    out = g.mean().add_suffix("_mean").join(g.std(ddof=1).add_suffix("_sd"))
    return out.join(scan.groupby("n_per_class").size().rename("draws")).reset_index()


def main(argv=None) -> int:
    from glasshelpers.pipeline.cli import add_debug_flag, run
    from glasshelpers.pipeline.profiles import load_profile

    ap = argparse.ArgumentParser(prog="python -m glasshelpers.stages.s07_appendix.softness_size",
                                 description="Softness's Table I quantities against the size of its training set.")
    ap.add_argument("--profile", default="demo")
    ap.add_argument("--draws", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="*", default=None, help="samples per class (default: see default_sizes)")
    ap.add_argument("--no-progress", action="store_true")
    add_debug_flag(ap)
    args = ap.parse_args(argv)

    def body():
        profile = load_profile(args.profile)
        scan = softness_set_size(profile, args.sizes, args.draws, not args.no_progress)
        dest = paths.profile_root(profile) / "controls" / "softness_set_size.csv"
        dest.parent.mkdir(parents=True, exist_ok=True)
        scan.to_csv(dest, index=False, float_format="%.6g")
        print(summary(scan).to_string(index=False, float_format=lambda v: f"{v:.4g}"))

    return run(body, args.debug)


if __name__ == "__main__":
    raise SystemExit(main())
