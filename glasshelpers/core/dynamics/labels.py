"""Training and test sets: which (particle, frame) pairs are examples of which class.

The book, Methods: p_hop and labels. Every rule works on a p_hop array of shape
(n_frames, N) (NaN where undefined, as returned by
:func:`glasshelpers.core.dynamics.dynamics.phop`) and a ``types`` array (0 = A, 1 = B); only A particles are ever selected. A rule returns a :class:`Samples`
record: particle index, the frame of the *structure* to use, the class label
(1 = rearranging / extremely diffusive, 0 = non-rearranging / extremely non-diffusive),
and the frame of the p_hop value that decided it.

Conventions
-----------
* "Structure at t - 2": a p_hop event at frame t is paired with the configuration at
  frame t - ``lag`` (lag = 2 frames = 2 tau). Events with t - lag < 0 are not candidates.
* Quiet stretches: a stretch is a run of consecutive frames (1 tau apart) with finite
  p_hop < p_l; "at least quiet_time" means at least ``quiet_time`` such frames. A run of
  n frames gives floor(n / quiet_time) non-overlapping pieces of exactly ``quiet_time``
  frames, centred in the run; each piece contributes the structure at its middle frame,
  start + quiet_time // 2.
* Sampling: classes are balanced, drawn uniformly without replacement from all
  candidates with ``numpy.random.default_rng(seed)`` (class 1 first, then class 0); the
  returned samples are sorted by (frame, particle) so features can be computed frame by
  frame. The same inputs and seed give the same sets.
* A set that cannot be filled raises :class:`LabelError` with the candidate counts of
  both classes; nothing is padded, duplicated or silently shrunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from glasshelpers.core.dynamics.dynamics import STRUCTURE_LAG

#: Default rearrangement threshold p_c on p_hop (sigma_AA^2); stages pass the profile's
#: ``labels.p_c``.
P_C = 0.2
#: Default minimum length of a quiet stretch, in frames (tau).
QUIET_TIME = 120


class LabelError(ValueError):
    """A requested labelled set cannot be filled from the data.

    Attributes
    ----------
    counts : dict
        Number of candidates found per class, e.g. ``{1: 5120, 0: 311}``.
    requested : int
        Samples requested per class.
    """

    def __init__(self, message, counts=None, requested=None):
        super().__init__(message)
        self.counts = dict(counts or {})
        self.requested = requested


@dataclass
class Samples:
    """A balanced labelled set of (particle, structure frame) pairs.

    Attributes
    ----------
    particle : ndarray of int
        Particle index (column of the p_hop array / row of the trajectory).
    frame : ndarray of int
        Frame of the structure (configuration) whose features describe the sample.
    label : ndarray of int8
        1 = rearranging / extremely diffusive, 0 = non-rearranging / non-diffusive.
    phop_frame : ndarray of int
        Frame of the p_hop value that decided the label (frame + lag for event rules;
        the middle of the quiet piece, equal to ``frame``, for the quiet rule).
    info : dict
        Thresholds used and candidate counts per class.
    """

    particle: np.ndarray
    frame: np.ndarray
    label: np.ndarray
    phop_frame: np.ndarray
    info: dict = field(default_factory=dict)

    def __len__(self):
        return len(self.label)

    def to_frame(self):
        """The samples as a pandas DataFrame (columns particle, frame, label, phop_frame)."""
        import pandas as pd
        return pd.DataFrame({"particle": self.particle, "frame": self.frame,
                             "label": self.label, "phop_frame": self.phop_frame})


# --------------------------------------------------------------------------- helpers
def _prepare(phop, types):
    p = np.asarray(phop, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"phop must have shape (n_frames, N), got {p.shape}")
    if types is None:
        a_mask = np.ones(p.shape[1], dtype=bool)
    else:
        t = np.asarray(types)
        if t.shape != (p.shape[1],):
            raise ValueError(f"types must have shape ({p.shape[1]},) to match phop, got {t.shape}")
        if t.size and not np.all((t == 0) | (t == 1)):
            raise ValueError("types must be 0 (A) or 1 (B)")
        a_mask = t == 0
    if np.any(np.isinf(p)):
        raise ValueError("phop contains infinite values")
    if np.any(p[np.isfinite(p)] < 0):
        raise ValueError("phop contains negative values")
    return p, np.flatnonzero(a_mask)


def _check_n(n_per_class):
    if int(n_per_class) != n_per_class or n_per_class < 1:
        raise ValueError(f"n_per_class must be a positive integer, got {n_per_class!r}")
    return int(n_per_class)


def _event_candidates(p, a_idx, condition, lag):
    """Flat candidates (frame t, particle) with condition(p[t, a]) true and t - lag >= 0."""
    sub = p[:, a_idx]
    with np.errstate(invalid="ignore"):
        mask = condition(sub) & np.isfinite(sub)
    if lag > 0:
        mask[:lag] = False
    flat = np.flatnonzero(mask)
    t, col = np.divmod(flat, len(a_idx))
    return t, a_idx[col]


def quiet_pieces(phop, types=None, p_l=0.025, quiet_time: int = QUIET_TIME):
    """All quiet pieces: runs of finite p_hop < p_l cut into quiet_time-frame pieces.

    Parameters
    ----------
    phop : array_like, shape (n_frames, N)
        p_hop in sigma_AA^2 (NaN where undefined).
    types : array_like of int, shape (N,), optional
        0 = A, 1 = B; only A particles are searched (all if None).
    p_l : float
        Upper threshold in sigma_AA^2 (strict: p_hop < p_l).
    quiet_time : int
        Piece length in frames (tau).

    Returns
    -------
    particle, middle : ndarray of int
        One entry per piece: particle index and middle frame (start + quiet_time // 2).
    """
    p, a_idx = _prepare(phop, types)
    return _quiet_pieces(p, a_idx, p_l, quiet_time)


def _quiet_pieces(p, a_idx, p_l, quiet_time):
    q = int(quiet_time)
    if q < 1:
        raise ValueError(f"quiet_time must be a positive integer, got {quiet_time!r}")
    nf = p.shape[0]
    sub = p[:, a_idx].T                       # (n_A, n_frames)
    padded = np.zeros((len(a_idx), nf + 2), dtype=np.int8)
    with np.errstate(invalid="ignore"):
        padded[:, 1:-1] = sub < p_l           # NaN compares False
    d = np.diff(padded, axis=1)               # (n_A, nf + 1)
    starts = np.flatnonzero(d == 1)           # row-major: runs in order, starts/ends pair up
    ends = np.flatnonzero(d == -1)
    row, start = np.divmod(starts, nf + 1)
    end = ends % (nf + 1)                     # exclusive
    length = end - start
    npieces = length // q
    keep = npieces > 0
    row, start, length, npieces = row[keep], start[keep], length[keep], npieces[keep]
    offset = start + (length - npieces * q) // 2
    total = int(npieces.sum())
    run_of_piece = np.repeat(np.arange(len(npieces)), npieces)
    first = np.cumsum(npieces) - npieces
    k = np.arange(total) - first[run_of_piece]
    middle = offset[run_of_piece] + k * q + q // 2
    return a_idx[row[run_of_piece]], middle


def _sample(rng, n_cand, n):
    return rng.choice(n_cand, size=n, replace=False) if n_cand > n else rng.permutation(n_cand)


def _assemble(parts, info):
    """parts: list of (particle, frame, label, phop_frame) arrays; sort by (frame, particle)."""
    particle = np.concatenate([a[0] for a in parts]).astype(np.intp)
    frame = np.concatenate([a[1] for a in parts]).astype(np.intp)
    label = np.concatenate([a[2] for a in parts]).astype(np.int8)
    phop_frame = np.concatenate([a[3] for a in parts]).astype(np.intp)
    order = np.lexsort((particle, frame))
    return Samples(particle[order], frame[order], label[order], phop_frame[order], info)


def _fail_if_short(counts, n, what, hint=""):
    short = {c: k for c, k in counts.items() if k < n}
    if short:
        raise LabelError(
            f"{what}: cannot fill {n} samples per class; candidates found: "
            f"class 1 = {counts[1]}, class 0 = {counts[0]}.{(' ' + hint) if hint else ''}",
            counts=counts, requested=n)


# --------------------------------------------------------------------------- rules
def softness_labels(phop, types, n_per_class: int, *, p_l: float, p_c: float = P_C,
                    quiet_time: int = QUIET_TIME, seed: int = 0, lag: int = STRUCTURE_LAG) -> Samples:
    """Softness rule: rearranging if p_hop > p_c, non-rearranging if quiet for quiet_time.

    Parameters
    ----------
    phop : array_like, shape (n_frames, N)
        p_hop in sigma_AA^2, NaN where undefined.
    types : array_like of int, shape (N,) or None
        0 = A, 1 = B; only A particles are used (all if None).
    n_per_class : int
        Samples per class (3800 in the paper).
    p_l : float
        Quiet threshold in sigma_AA^2 (see :func:`choose_p_l`).
    p_c : float
        Rearrangement threshold in sigma_AA^2 (0.2).
    quiet_time : int
        Minimum quiet stretch, frames (tau).
    seed : int
        Seed of the numpy Generator.
    lag : int
        Frames between a rearranging sample's structure and its p_hop value.

    Returns
    -------
    Samples
        Class 1: structure at t - lag for p_hop(i, t) > p_c. Class 0: structure at the
        middle of a quiet piece (p_hop < p_l for quiet_time consecutive frames); a
        particle can give several class-0 samples from non-overlapping pieces.

    Raises
    ------
    LabelError
        If either class has fewer than n_per_class candidates (counts in the message).
    """
    n = _check_n(n_per_class)
    p, a_idx = _prepare(phop, types)
    t1, i1 = _event_candidates(p, a_idx, lambda v: v > p_c, lag)
    i0, m0 = _quiet_pieces(p, a_idx, p_l, quiet_time)
    counts = {1: len(t1), 0: len(i0)}
    _fail_if_short(counts, n, f"softness labels (p_c = {p_c:g}, p_l = {p_l:g}, quiet_time = {quiet_time})",
                   "Use a longer trajectory, a larger p_l, or fewer samples.")
    rng = np.random.default_rng(seed)
    s1 = _sample(rng, len(t1), n)
    s0 = _sample(rng, len(i0), n)
    info = {"rule": "softness", "p_c": float(p_c), "p_l": float(p_l), "quiet_time": int(quiet_time),
            "lag": int(lag), "seed": int(seed), "candidates": counts, "n_per_class": n}
    return _assemble([(i1[s1], t1[s1] - lag, np.ones(n), t1[s1]),
                      (i0[s0], m0[s0], np.zeros(n), m0[s0])], info)


def choose_p_l(phop, types, n_per_class: int, *, quiet_time: int = QUIET_TIME,
               grid_step: float = 0.0025, p_max: float = P_C) -> float:
    """Smallest p_l on the grid k * grid_step for which the quiet rule fills the set.

    The number of quiet pieces never decreases when p_l grows (runs only lengthen or
    merge, and floor(a/q) + floor(b/q) <= floor((a + b + g)/q)), so the grid is
    bisected.

    Parameters
    ----------
    phop, types :
        As in :func:`softness_labels`.
    n_per_class : int
        Quiet pieces needed.
    quiet_time : int
        Quiet stretch length, frames.
    grid_step : float
        Grid spacing in sigma_AA^2 (0.0025).
    p_max : float
        Largest p_l tried (default p_c = 0.2: a quiet threshold above the rearrangement
        threshold makes no sense).

    Returns
    -------
    float
        p_l in sigma_AA^2, rounded to 10 decimals (e.g. 0.0275).

    Raises
    ------
    LabelError
        If even p_max gives fewer than n_per_class pieces (the count is reported).
    """
    return choose_p_l_joint([(phop, types, n_per_class)], quiet_time=quiet_time, grid_step=grid_step,
                            p_max=p_max)


def choose_p_l_joint(sets, *, quiet_time: int = QUIET_TIME, grid_step: float = 0.0025,
                     p_max: float = P_C) -> float:
    """Smallest p_l on the grid that gives every set its quiet pieces.

    Parameters
    ----------
    sets : list of (phop, types, n_needed)
        One entry per trajectory that the same p_l must label (e.g. the softness
        training set at T = 0.45 and the test set at T = 0.47), with the number of quiet
        pieces it needs (possibly a multiple of the samples drawn, for headroom).
    quiet_time, grid_step, p_max :
        As in :func:`choose_p_l`.
    """
    if not grid_step > 0:
        raise ValueError(f"grid_step must be positive, got {grid_step!r}")
    prepared = []
    for phop, types, n in sets:
        p, a_idx = _prepare(phop, types)
        prepared.append((p, a_idx, _check_n(n)))
    kmax = int(np.floor(p_max / grid_step + 1e-9))
    value = lambda k: round(k * grid_step, 10)
    counts = lambda k: [len(_quiet_pieces(p, a, value(k), quiet_time)[0]) for p, a, _ in prepared]
    enough = lambda k: all(c >= n for c, (_, _, n) in zip(counts(k), prepared))
    if kmax < 1 or not enough(kmax):
        found = counts(kmax) if kmax >= 1 else [0] * len(prepared)
        need = [n for _, _, n in prepared]
        raise LabelError(
            f"no p_l <= {p_max:g} gives {' and '.join(map(str, need))} quiet pieces of {quiet_time} frames: "
            f"p_l = {value(kmax):g} gives {' and '.join(map(str, found))}. "
            "Use a longer trajectory or fewer samples.",
            counts={0: min(found)}, requested=max(need))
    lo, hi = 0, kmax             # not enough(lo) (k = 0: p_l = 0 finds nothing), enough(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if enough(mid):
            hi = mid
        else:
            lo = mid
    return value(hi)


def candidate_counts(phop, types, rule: str, *, p_l: float | None = None, p_c: float = P_C,
                     quiet_time: int = QUIET_TIME, q: float | None = None,
                     lag: int = STRUCTURE_LAG) -> dict:
    """Candidates per class that a labelling rule could draw from: ``{1: n1, 0: n0}``.

    ``rule`` is ``softness`` (needs p_l), ``fluidity`` or ``control`` (need q). The
    headroom of a labelled set is min(n1, n0) / n_per_class.
    """
    p, a_idx = _prepare(phop, types)
    if rule == "softness":
        t1, _ = _event_candidates(p, a_idx, lambda v: v > p_c, lag)
        return {1: len(t1), 0: len(_quiet_pieces(p, a_idx, p_l, quiet_time)[0])}
    lo, hi = _tail_thresholds(p, a_idx, q)
    upper = hi if rule == "fluidity" else lo
    if rule not in ("fluidity", "control"):
        raise ValueError(f"unknown rule {rule!r}")
    t1, _ = _event_candidates(p, a_idx, lambda v: v > upper, lag)
    t0, _ = _event_candidates(p, a_idx, lambda v: v < lo, lag)
    return {1: len(t1), 0: len(t0)}


def tail_thresholds(phop, types=None, q: float = 0.00033):
    """p_l and p_u: the q and 1 - q quantiles of all finite A-particle p_hop values.

    Returns
    -------
    (p_l, p_u) : tuple of float
        In sigma_AA^2 (numpy's default linear-interpolation quantile).
    """
    p, a_idx = _prepare(phop, types)
    return _tail_thresholds(p, a_idx, q)


def _tail_thresholds(p, a_idx, q):
    if not 0 < q < 0.5:
        raise ValueError(f"q must lie in (0, 0.5), got {q!r}")
    v = p[:, a_idx]
    v = v[np.isfinite(v)]
    if v.size == 0:
        raise LabelError("no finite p_hop values of A particles", counts={1: 0, 0: 0})
    lo, hi = np.quantile(v, [q, 1 - q])
    return float(lo), float(hi)


def _balanced_events(class1, class0, n, seed, lag, what, info):
    """Draw n (time, particle) events from each class's candidates (seeded, without
    replacement) and return them with structure frames ``t - lag``; LabelError if short."""
    (t1, i1), (t0, i0) = class1, class0
    counts = {1: len(t1), 0: len(t0)}
    _fail_if_short(counts, n, what, "Use a longer trajectory, a larger q, or fewer samples.")
    rng = np.random.default_rng(seed)
    s1 = _sample(rng, len(t1), n)
    s0 = _sample(rng, len(t0), n)
    info = {**info, "lag": int(lag), "seed": int(seed), "candidates": counts, "n_per_class": n}
    return _assemble([(i1[s1], t1[s1] - lag, np.ones(n), t1[s1]),
                      (i0[s0], t0[s0] - lag, np.zeros(n), t0[s0])], info)


def fluidity_labels(phop, types, n_per_class: int, *, q: float, seed: int = 0,
                    lag: int = STRUCTURE_LAG) -> Samples:
    """Fluidity rule: both tails of the p_hop distribution at one temperature.

    p_l, p_u = q and 1 - q quantiles of all finite A p_hop values. Class 1 (extremely
    diffusive): p_hop(i, t) > p_u; class 0 (extremely non-diffusive): p_hop(i, t) < p_l;
    structure at t - lag for both.

    Parameters
    ----------
    phop, types :
        As in :func:`softness_labels`.
    n_per_class : int
        Samples per class (5200 in the paper: 10400 in all).
    q : float
        Tail fraction (0.00033 in the paper profile).
    seed, lag :
        As in :func:`softness_labels`.

    Raises
    ------
    LabelError
        If a tail holds fewer than n_per_class candidates.
    """
    n = _check_n(n_per_class)
    p, a_idx = _prepare(phop, types)
    p_l, p_u = _tail_thresholds(p, a_idx, q)
    t1, i1 = _event_candidates(p, a_idx, lambda v: v > p_u, lag)
    t0, i0 = _event_candidates(p, a_idx, lambda v: v < p_l, lag)
    return _balanced_events((t1, i1), (t0, i0), n, seed, lag,
                            f"fluidity labels (q = {q:g}, p_l = {p_l:.4g}, p_u = {p_u:.4g})",
                            {"rule": "fluidity", "q": float(q), "p_l": p_l, "p_u": p_u})


def immobile_vs_random_labels(phop, types, n_per_class: int, *, q: float, seed: int = 0,
                              lag: int = STRUCTURE_LAG) -> Samples:
    """Control of the paper's appendix: low tail vs randomly chosen other samples.

    Class 0: p_hop(i, t) < p_l (the fluidity low tail, p_l = q quantile). Class 1:
    (i, t) drawn uniformly among all samples with p_hop(i, t) > p_l. Structure at t - lag.

    Parameters and errors as in :func:`fluidity_labels`.
    """
    n = _check_n(n_per_class)
    p, a_idx = _prepare(phop, types)
    p_l, _ = _tail_thresholds(p, a_idx, q)
    t1, i1 = _event_candidates(p, a_idx, lambda v: v > p_l, lag)
    t0, i0 = _event_candidates(p, a_idx, lambda v: v < p_l, lag)
    return _balanced_events((t1, i1), (t0, i0), n, seed, lag,
                            f"immobile-vs-random labels (q = {q:g}, p_l = {p_l:.4g})",
                            {"rule": "immobile_vs_random", "q": float(q), "p_l": p_l})


def label_summary(phop, types=None, *, p_c: float = P_C, p_l: float | None = None,
                  quiet_time: int = QUIET_TIME, q: float | None = None,
                  quantiles=(0.00033, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.99967),
                  lag: int = STRUCTURE_LAG) -> dict:
    """Per-temperature report: p_hop quantiles and candidate counts of each rule.

    Parameters
    ----------
    phop, types :
        As in :func:`softness_labels`.
    p_c : float
        Rearrangement threshold (sigma_AA^2).
    p_l : float, optional
        Quiet threshold; if given, the number of quiet pieces and of particles with at
        least one piece are reported.
    quiet_time : int
        Quiet stretch length, frames.
    q : float, optional
        Fluidity tail fraction; if given, p_l/p_u quantiles and tail counts are reported.
    quantiles : sequence of float
        Quantiles of the finite A p_hop values to report.

    Returns
    -------
    dict
        Flat dict (one row of a pandas DataFrame): ``n_frames``, ``n_a``,
        ``n_values`` (finite A values), ``frac_defined``, ``phop_q<quantile>``,
        ``mean``, ``frac_above_p_c``, ``n_rearranging`` (candidates p_hop > p_c with
        t - lag >= 0), and when asked ``n_quiet_pieces``, ``n_quiet_particles``,
        ``fluidity_p_l``, ``fluidity_p_u``, ``n_low_tail``, ``n_high_tail``.
    """
    p, a_idx = _prepare(phop, types)
    v = p[:, a_idx]
    fin = v[np.isfinite(v)]
    out = {"n_frames": int(p.shape[0]), "n_a": int(len(a_idx)), "n_values": int(fin.size),
           "frac_defined": float(fin.size / v.size) if v.size else 0.0}
    if fin.size:
        for qq, val in zip(quantiles, np.quantile(fin, list(quantiles))):
            out[f"phop_q{qq:g}"] = float(val)
        out["mean"] = float(fin.mean())
        out["frac_above_p_c"] = float(np.mean(fin > p_c))
    out["p_c"] = float(p_c)
    out["n_rearranging"] = int(len(_event_candidates(p, a_idx, lambda x: x > p_c, lag)[0]))
    if p_l is not None:
        parts, _ = _quiet_pieces(p, a_idx, p_l, quiet_time)
        out.update({"p_l": float(p_l), "quiet_time": int(quiet_time), "n_quiet_pieces": int(len(parts)),
                    "n_quiet_particles": int(len(np.unique(parts)))})
    if q is not None and fin.size:
        lo, hi = np.quantile(fin, [q, 1 - q])
        out.update({"q": float(q), "fluidity_p_l": float(lo), "fluidity_p_u": float(hi),
                    "n_low_tail": int(len(_event_candidates(p, a_idx, lambda x: x < lo, lag)[0])),
                    "n_high_tail": int(len(_event_candidates(p, a_idx, lambda x: x > hi, lag)[0]))})
    return out
