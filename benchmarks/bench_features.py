"""Throughput and memory of the feature and p_hop kernels at the paper's size.

    python benchmarks/bench_features.py [--frames 5] [--naive-frames 1] [--json out.json]

Structure features, N = 4096 at number density 1.2 (the paper profile), all A particles
as targets (3277), random positions in the box (at fixed density the neighbour count,
hence the work, is the same as in a liquid configuration):

(a) ``radial_features`` (periodic k-d tree pairs + polynomial power sums + one matmul);
(b) the naive baseline: for blocks of targets, the full minimum-image distance matrix
    to all N particles and the Gaussian evaluated for every pair at all 50 grid points,
    no cutoff.

Exactness. (b) has no cutoff, so it differs from the definition by the neglected tail
(each neighbour beyond 5.9 sigma adds at most exp(-12.5) = 3.7e-6 at r = 4.9). The fair
check is therefore against the same dense computation *with* the cutoff R <= 5.9 applied
(same definition as ours, evaluated independently): the difference must be < 1e-9. The
difference to the no-cutoff baseline is printed too, as the size of the tail.

p_hop: a random walk of 3277 particles x 5000 frames (the paper profile's A particles
over its production run), timed with the running-sum ``phop``; the direct loop
``phop_direct`` is timed on a slice for comparison.

Peak memory: tracemalloc's peak of Python/numpy allocations during each call (the
k-d tree's own C++ allocations are not traced; they are O(N)), and the process's peak
resident set size at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from glasshelpers.core.dynamics.dynamics import phop, phop_direct  # noqa: E402
from glasshelpers.core.structure.features import DELTA, R_CUT, R_GRID, radial_features  # noqa: E402


def naive_features(pos, types, L, targets, cutoff=None, block=24):
    """Dense baseline: all-pairs minimum-image distances, every pair on all 50 r values."""
    onehot = np.stack([types == 0, types == 1], axis=1).astype(np.float64)   # (N, 2)
    out = np.empty((len(targets), 2 * len(R_GRID)))
    for b0 in range(0, len(targets), block):
        tg = targets[b0:b0 + block]
        d = pos[None, :, :] - pos[tg, None, :]
        d -= L * np.rint(d / L)
        R = np.sqrt(np.einsum("tjc,tjc->tj", d, d))
        w = np.ones_like(R)
        w[np.arange(len(tg)), tg] = 0.0                      # j != i
        if cutoff is not None:
            w *= R <= cutoff
        E = np.exp(-(R[:, :, None] - R_GRID[None, None, :]) ** 2 / (2 * DELTA ** 2))
        E *= w[:, :, None]
        g = np.einsum("tjk,jx->txk", E, onehot, optimize=True)  # (t, 2, 50)
        out[b0:b0 + len(tg)] = g.reshape(len(tg), -1)
    return out


def peak_of(fn):
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=4096, help="particles (default 4096)")
    ap.add_argument("--frames", type=int, default=5, help="frames timed for radial_features")
    ap.add_argument("--naive-frames", type=int, default=1, help="frames timed for the naive baseline")
    ap.add_argument("--phop-particles", type=int, default=3277)
    ap.add_argument("--phop-frames", type=int, default=5000)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    # (KASystem refuses N = 4096 because 0.8 N is not whole; like the paper, use 3277 A.)
    L = (args.n / 1.2) ** (1.0 / 3.0)
    types = np.ones(args.n, dtype=np.int32)
    types[:int(round(0.8 * args.n))] = 0
    targets = np.flatnonzero(types == 0)
    rng = np.random.default_rng(20231103)
    configs = [rng.uniform(-L / 2, L / 2, size=(args.n, 3)) for _ in range(max(args.frames, args.naive_frames))]
    res = {"n_particles": args.n, "box_length": L, "n_targets": int(len(targets)),
           "cpu_count": os.cpu_count(), "platform": platform.platform(),
           "load_average_at_start": os.getloadavg()}
    print(f"N = {args.n}, L = {L:.4f}, {len(targets)} A targets, cutoff {R_CUT}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")

    # ---------------------------------------------------------------- features
    radial_features(configs[0], types, L)                    # warm-up
    times = []
    for pos in configs[:args.frames]:
        t0 = time.perf_counter()
        ours = radial_features(pos, types, L)
        times.append(time.perf_counter() - t0)
    fps = 1.0 / np.median(times)
    peak_ours = peak_of(lambda: radial_features(configs[0], types, L))
    print(f"(a) radial_features: median {np.median(times):.3f} s/frame (min {min(times):.3f}) "
          f"-> {fps:.2f} frames/s; traced peak {peak_ours / 2**20:.0f} MiB")

    ntimes = []
    for pos in configs[:args.naive_frames]:
        t0 = time.perf_counter()
        naive = naive_features(pos, types, L, targets)
        ntimes.append(time.perf_counter() - t0)
    nfps = 1.0 / np.median(ntimes)
    peak_naive = peak_of(lambda: naive_features(configs[0], types, L, targets[:48]))
    print(f"(b) naive all pairs x 50 r: median {np.median(ntimes):.3f} s/frame -> {nfps:.3f} frames/s; "
          f"traced peak {peak_naive / 2**20:.0f} MiB")
    print(f"    speed-up (a)/(b): {fps / nfps:.1f}x")

    checked = args.naive_frames - 1          # the last frame the naive baseline timed
    pos = configs[checked]
    ours = radial_features(pos, types, L)
    naive_cut = naive_features(pos, types, L, targets, cutoff=R_CUT)
    diff_cut = float(np.max(np.abs(ours - naive_cut)))
    diff_tail = float(np.max(np.abs(ours - naive)))
    print(f"    exactness: max |ours - dense with cutoff 5.9| = {diff_cut:.2e} (must be < 1e-9); "
          f"max |ours - dense without cutoff| = {diff_tail:.2e} (the neglected tail)")
    res.update({"features_s_per_frame": times, "features_frames_per_s": fps,
                "features_traced_peak_MiB": peak_ours / 2**20,
                "naive_s_per_frame": ntimes, "naive_frames_per_s": nfps,
                "naive_traced_peak_MiB_48_targets_block24": peak_naive / 2**20,
                "speedup": fps / nfps, "max_abs_diff_vs_dense_cutoff": diff_cut,
                "max_abs_diff_vs_dense_no_cutoff": diff_tail, "frame_checked": checked})
    del naive, naive_cut, ours

    # ---------------------------------------------------------------- p_hop
    nf, npart = args.phop_frames, args.phop_particles
    traj = np.cumsum(rng.normal(0.0, 0.05, size=(nf, npart, 3)), axis=0)
    traj += rng.uniform(0, L, size=(1, npart, 3))
    t0 = time.perf_counter()
    p = phop(traj)
    t_phop = time.perf_counter() - t0
    peak_phop = peak_of(lambda: phop(traj))
    sub = traj[:, :200]
    t0 = time.perf_counter()
    pd = phop_direct(sub)
    t_direct = time.perf_counter() - t0
    agree = float(np.nanmax(np.abs(p[:, :200] - pd) / np.maximum(pd, 1e-300)))
    rate = nf * npart / t_phop
    rate_direct = nf * 200 / t_direct
    in_mib = traj.nbytes / 2**20
    print(f"p_hop {npart} particles x {nf} frames: {t_phop:.2f} s -> {rate / 1e6:.1f} M particle-frames/s "
          f"(direct loop: {rate_direct / 1e6:.2f} M/s, {rate / rate_direct:.1f}x slower); "
          f"max rel. diff {agree:.1e}")
    print(f"    memory: input {in_mib:.0f} MiB (float64 unwrapped positions), output "
          f"{p.nbytes / 2**20:.0f} MiB, traced peak during phop {peak_phop / 2**20:.0f} MiB "
          f"(output + {max(0, peak_phop - p.nbytes) / 2**20:.0f} MiB temporaries)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.0f} MiB")
    res.update({"phop_seconds": t_phop, "phop_particle_frames_per_s": rate,
                "phop_direct_particle_frames_per_s": rate_direct, "phop_max_rel_diff_vs_direct": agree,
                "phop_input_MiB": in_mib, "phop_output_MiB": p.nbytes / 2**20,
                "phop_traced_peak_MiB": peak_phop / 2**20, "peak_rss_MiB": rss})
    if args.json:
        args.json.write_text(json.dumps(res, indent=2, default=float))
    return res


if __name__ == "__main__":
    main()
