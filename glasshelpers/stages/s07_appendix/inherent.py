"""The inherent-state control: p_hop of the quenched trajectory, and softness with its labels.

The paper's quiet threshold p_l = 0.0085 belongs to p_hop computed on inherent structures
(each frame quenched to its local energy minimum, :mod:`glasshelpers.core.md.inherent`);
glassbook labels with the thermal p_hop and chooses p_l to fill its sets. This control
quenches every frame of the softness run, computes p_hop on the quenched trajectory with
the same window, and reports

* the distribution of the A particles' p_hop, thermal and inherent, side by side;
* how many quiet stretches p_l = 0.0085 finds on the inherent p_hop (and p_c = 0.2 events),
  against the samples per class the softness set needs;
* a softness classifier trained on labels from the inherent p_hop (p_l = 0.0085 and the
  profile's p_c, both on the inherent p_hop; features of the thermal frames, as for every
  classifier): its b_best on the profile's T = 0.47 test set, in distance and in raw
  decision-function units, and its direction against the thermal softness classifier
  (plain cosine of the unit normals, and in softness's scaling);
* the cost: the wall time of the quenches.

Run it with ``python -m glasshelpers.stages.s07_appendix.inherent --profile demo`` after
the profile's workflow; it writes ``controls/inherent_state.json`` in the profile's folder.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.core.dynamics import dynamics, labels
from glasshelpers.core.dynamics.dynamics import HALF_WINDOW
from glasshelpers.core.learning import maxscore, scoring
from glasshelpers.core.learning.classify import train_classifier
from glasshelpers.core.md.engines import get_engine
from glasshelpers.core.md.inherent import FORCE_TOL, inherent_structures
from glasshelpers.pipeline import paths
from glasshelpers.pipeline.cache import cached
from glasshelpers.pipeline.profiles import seed_threads
from glasshelpers.pipeline.provenance import profile_record, write_json
from glasshelpers.pipeline.runs import Run
from glasshelpers.products.banks import labelled_features, load_phop
from glasshelpers.products.trajectories import load_trajectory, trajectory_key
from glasshelpers.core.dynamics.dynamics import STRUCTURE_LAG
from glasshelpers.products.labelled import softness_p_l, test_set
from glasshelpers.products.classifiers import penalty, softness_classifier

#: The paper's quiet threshold, for p_hop of inherent structures (sigma_AA^2).
P_L_PAPER = 0.0085
#: Quantiles of the p_hop distributions reported.
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)


def inherent_phop(profile: Profile, T: float, progress: bool = True) -> dict:
    """p_hop (n_frames, N) of the quenched trajectory at T (NaN where the window does not
    fit), the types, and ``quench_wall_s`` (seconds the quenches took); a cached product."""
    params = {**trajectory_key(Run(profile, T)), "half_window": HALF_WINDOW, "product": "phop_inherent",
              "force_tol": FORCE_TOL}
    path = paths.profile_root(profile) / "phop" / f"inherent_{paths.temperature_tag(T)}.npz"

    def compute():
        traj = load_trajectory(profile, T)
        t0 = time.perf_counter()
        with get_engine(profile.engine.name, profile.engine.dt, seed_threads(profile)) as eng:
            q = inherent_structures(eng, traj["positions"], traj["types"], traj["box_length"], progress=progress)
        wall = time.perf_counter() - t0
        ph = dynamics.phop(q, half_window=HALF_WINDOW)
        return {"phop": ph.astype(np.float32), "types": traj["types"], "quench_wall_s": np.float64(wall),
                "n_frames": np.int64(len(q))}

    return cached(path, params, compute, record=profile_record(profile))


def distribution(phop, types, quantiles=QUANTILES) -> dict:
    """Quantiles of the A particles' finite p_hop values (sigma_AA^2)."""
    p = np.asarray(phop)[:, np.asarray(types) == 0]
    p = p[np.isfinite(p)]
    return {f"q{int(round(100 * q))}": float(np.quantile(p, q)) for q in quantiles}


def inherent_control(profile: Profile, progress: bool = True) -> dict:
    """The control at the profile's softness temperature (see the module docstring)."""
    lab = profile.labels
    T, n = float(lab.softness_temperature), int(lab.softness_per_class)
    thermal, inh = load_phop(profile, T), inherent_phop(profile, T, progress)
    p_c, quiet = float(lab.p_c), int(lab.quiet_time)
    counts = labels.candidate_counts(inh["phop"], inh["types"], "softness", p_l=P_L_PAPER, p_c=p_c,
                                     quiet_time=quiet, lag=STRUCTURE_LAG)
    try:
        p_l_ours = float(softness_p_l(profile))
    except labels.LabelError:              # the thermal sets cannot fill: reported as missing
        p_l_ours = float("nan")
    out = {"T": T, "n_frames": int(inh["n_frames"]), "quench_wall_s": float(inh["quench_wall_s"]),
           "p_l_paper": P_L_PAPER, "p_l_ours_thermal": p_l_ours, "p_c": p_c,
           "thermal": distribution(thermal["phop"], thermal["types"]),
           "inherent": distribution(inh["phop"], inh["types"]),
           "candidates_inherent_paper_thresholds": {k: int(v) for k, v in counts.items()},
           "needed_per_class": n}
    out["fills"] = bool(min(counts.values()) >= n)
    if not out["fills"] or not np.isfinite(p_l_ours):
        return out
    s = labels.softness_labels(inh["phop"], inh["types"], n, p_l=P_L_PAPER, p_c=p_c, quiet_time=quiet,
                               seed=int(profile.seed), lag=STRUCTURE_LAG)
    X = labelled_features(profile, T, s.particle, s.frame)
    clf = train_classifier(X, np.asarray(s.label), C=penalty(profile, "softness", n), seed=int(profile.seed))
    ref = softness_classifier(profile)
    ts = test_set(profile, p_l_ours)
    best = maxscore.smoothed_best_bias(clf.decision(ts["X"]), ts["y"], b=clf.b)
    out.update(b=float(clf.b), b_best=float(best.b_best), b_best_raw=float(best.b_best * clf.w_norm),
               w_norm=float(clf.w_norm), best_accuracy=float(best.accuracy),
               similarity_plain=float(np.dot(clf.w_hat, ref.w_hat)),
               similarity_softness_scaling=float(scoring.similarity(ref, clf, scaling="a")))
    return out


def main(argv=None) -> int:
    from glasshelpers.pipeline.cli import add_debug_flag, run
    from glasshelpers.pipeline.profiles import load_profile

    ap = argparse.ArgumentParser(prog="python -m glasshelpers.stages.s07_appendix.inherent",
                                 description="The inherent-state control at the softness temperature.")
    ap.add_argument("--profile", default="demo")
    ap.add_argument("--no-progress", action="store_true")
    add_debug_flag(ap)
    args = ap.parse_args(argv)

    def body():
        profile = load_profile(args.profile)
        out = inherent_control(profile, not args.no_progress)
        dest = paths.profile_root(profile) / "controls" / "inherent_state.json"
        dest.parent.mkdir(parents=True, exist_ok=True)
        write_json(dest, out)
        for k, v in out.items():
            print(f"{k}: {v}")

    return run(body, args.debug)


if __name__ == "__main__":
    raise SystemExit(main())
