"""Coverage of the half-sampling intervals of refitted SVMs, thorough version.

    python benchmarks/bench_coverage.py [--sets 200] [--splits 30] [--dim 20] [--n 150]
        [--cosines 0 0.4 0.8 1] [--seed 1] [--json out.json]

The suite's ``tests/test_halfsample.py`` runs 100 sets with 6 splits in d = 10 (seconds);
this runs more sets, more splits, more dimensions and several true cosines, with the
same generator: two training sets of Gaussian classes separated by 3 noise sd along known
unit normals (equal-magnitude components, so standardisation keeps the direction), samples
in blocks of two correlated ones (rho = 0.5) as one particle's frames, a test set along the
first normal, C x n = 20. For each true cosine it prints: coverage of the 68 % and 95 %
intervals of the corrected similarity (truth: the cosine of the generating normals) and of
the cross-fitted transfer accuracy (truth: the mean population accuracy of the fitted
classifiers), the mean raw and corrected similarity, the true spread of the estimate and
the mean standard error the half-sampling reports, and the Monte Carlo error of the
95 % ends.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import norm

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_halfsample as th  # noqa: E402  (the suite's generator)


def directions(d, cos):
    """Two unit vectors with equal-magnitude components whose cosine is closest to ``cos``."""
    flip = int(round((1 - cos) * d / 2))
    u = np.ones(d) / np.sqrt(d)
    v = u.copy()
    v[:flip] *= -1
    return u, v, float(u @ v)


def run(cos, sets, splits, d, n, seed):
    th.D, th.N = d, n
    rng = np.random.default_rng(seed)
    u, v, truth = directions(d, cos)
    rows, pops = [], []
    for _ in range(sets):
        train = {"S": th.blocked_set(u, n, rng), "F": th.blocked_set(v, n, rng)}
        test = th.blocked_set(u, th.N_TEST, rng)
        full = {k: th.fit(ds["X"], ds["y"]) for k, ds in train.items()}
        t = th.half_sample_statistics(train, full, th.fit, ref="S", test=test, max_splits=splits,
                                      min_splits=splits, batch=splits, seed=int(rng.integers(1 << 31)))
        rows.append(t.set_index("key").loc["F"])
        pops.append(norm.cdf(th.DELTA * abs(full["F"].normal_in(1.0) @ u) / 2))
    acc_truth = float(np.mean(pops))
    out = {"true_cosine": truth, "sets": sets, "splits": splits, "dim": d, "n_per_class": n}
    for stat, tr in (("similarity", truth), ("best_accuracy", acc_truth)):
        est = np.array([r[stat] for r in rows])
        ok = np.isfinite(est)
        for lev, a, b in (("68", "_lo", "_hi"), ("95", "_lo95", "_hi95")):
            lo = np.array([r[stat + a] for r in rows])[ok]
            hi = np.array([r[stat + b] for r in rows])[ok]
            out[f"{stat}_coverage{lev}"] = float(np.mean((lo <= tr) & (tr <= hi)))
        out[f"{stat}_defined"] = float(ok.mean())
        out[f"{stat}_mean"] = float(est[ok].mean())
        out[f"{stat}_true_sd"] = float(est[ok].std())
        out[f"{stat}_mean_se"] = float(np.mean([r[stat + "_se"] for r in rows if np.isfinite(r[stat])]))
        out[f"{stat}_end_error"] = float(np.nanmean([r[stat + "_end_error"] for r in rows]))
    out["similarity_raw_mean"] = float(np.mean([r["similarity_raw"] for r in rows]))
    out["accuracy_truth"] = acc_truth
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, default=200)
    ap.add_argument("--splits", type=int, default=30)
    ap.add_argument("--dim", type=int, default=20)
    ap.add_argument("--n", type=int, default=150, help="samples per class of a training set (even)")
    ap.add_argument("--cosines", type=float, nargs="+", default=[0.0, 0.4, 0.8, 1.0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    results = []
    for c in a.cosines:
        t0 = time.perf_counter()
        r = run(c, a.sets, a.splits, a.dim, a.n, a.seed)
        r["seconds"] = time.perf_counter() - t0
        results.append(r)
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}), flush=True)
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
