"""Single-particle dynamics from unwrapped trajectories: p_hop, displacements, van Hove.

Trajectories are arrays of shape (n_frames, N, 3) of *unwrapped* positions in sigma_AA,
one frame every 1 tau (the book, Methods: p_hop and labels). Time indices are frame indices.
"""

from __future__ import annotations

import numpy as np

#: Frames per half window of p_hop (W_A = [t-5, t], W_B = [t, t+5]).
HALF_WINDOW = 5
#: Frames (tau) that one p_hop value depends on: 2 * HALF_WINDOW + 1 = 11.
PHOP_SPAN = 2 * HALF_WINDOW + 1
#: Frames (tau) between a structure and the p_hop value it is paired with (structure is
#: taken 2 tau before the dynamics it predicts; the book, Methods: p_hop and labels).
STRUCTURE_LAG = 2
#: Default largest per-frame displacement (sigma_AA) accepted as physical when no box is
#: given; a wrapped trajectory jumps by about one box length (>= 11.8 sigma here).
MAX_STEP = 5.0


def _check_trajectory(x, half_window, box_length=None, max_step=MAX_STEP):
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):   # float32 input is kept (no full copy);
        x = x.astype(np.float64)                  # blocks are promoted to float64 below
    if x.ndim != 3 or x.shape[2] != 3:
        raise ValueError(f"unwrapped_positions must have shape (n_frames, N, 3), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("unwrapped_positions contain NaN or infinite values")
    if half_window is not None:
        if int(half_window) != half_window or half_window < 1:
            raise ValueError(f"half_window must be a positive integer, got {half_window!r}")
    limit = np.inf if max_step is None else float(max_step)
    if box_length is not None:
        if not (np.isfinite(box_length) and box_length > 0):
            raise ValueError(f"box_length must be positive and finite, got {box_length!r}")
        limit = min(limit, 0.5 * float(box_length))
    if np.isfinite(limit) and x.shape[0] > 1:
        worst = 0.0
        per = max(1, 2_000_000 // (3 * x.shape[0]))      # particles per block: ~16 MB temporaries
        for lo in range(0, x.shape[1], per):
            step = np.diff(x[:, lo:lo + per], axis=0)
            if step.size:
                worst = max(worst, float(step.max()), float(-step.min()))
        if worst > limit:
            raise ValueError(
                f"a coordinate changes by {worst:.3g} sigma between consecutive frames (limit "
                f"{limit:.3g}): the positions look wrapped into the box. Unwrap them first "
                f"(position + image * L), or raise max_step if such jumps are real."
            )
    return x


def phop(unwrapped_positions, half_window: int = HALF_WINDOW, *, box_length=None,
         max_step=MAX_STEP, chunk_particles: int = 512, block_frames: int = 512) -> np.ndarray:
    """Hop indicator p_hop(i, t) of every particle at every frame.

    With W_A = [t - h, t] and W_B = [t, t + h] (h + 1 frames each, endpoints included),

        ``p_hop(i, t) = sqrt( <|r_i(t') - <r_i>_B|^2>_{t' in A} * <|r_i(t') - <r_i>_A|^2>_{t' in B} )``.

    Computed from running (cumulative) sums of r and ``|r|^2`` using
    ``<|r - <r>_B|^2>_A = var_A + |<r>_A - <r>_B|^2`` (and the same with A and B swapped),
    so the cost is O(n_frames) per particle, independent of h. To keep the cumulative
    sums free of cancellation for particles that diffuse far, positions are taken
    relative to a per-particle reference that is reset every ``block_frames`` frames;
    agreement with :func:`phop_direct` is at the 1e-10 relative level or better.

    Parameters
    ----------
    unwrapped_positions : array_like, shape (n_frames, N, 3)
        Unwrapped positions in sigma_AA, frames 1 tau apart. float32 input (as stored in
        GSD files) is not copied as a whole; arithmetic is float64.
    half_window : int
        h, in frames (5 = 5 tau in the paper).
    box_length : float, optional
        Box edge in sigma_AA; if given, a per-frame jump above L/2 is reported as
        wrapped input.
    max_step : float or None
        Largest per-frame change of a coordinate (sigma_AA) accepted; larger jumps raise
        ValueError as probably wrapped input. None disables the check.
    chunk_particles, block_frames : int
        Work is done on blocks of particles x frames to bound temporary memory
        (about 200 bytes x chunk_particles x (block_frames + 2h)).

    Returns
    -------
    ndarray, float64, shape (n_frames, N)
        p_hop in sigma_AA^2; NaN where the window does not fit (t < h or t > n_frames-1-h).
    """
    x = _check_trajectory(unwrapped_positions, half_window, box_length, max_step)
    h = int(half_window)
    nf, n, _ = x.shape
    out = np.full((nf, n), np.nan)
    if nf < 2 * h + 1:
        return out
    nw = h + 1
    block_frames = max(1, int(block_frames))
    for p0 in range(0, n, chunk_particles):
        p1 = min(n, p0 + chunk_particles)
        for t0 in range(h, nf - h, block_frames):
            t1 = min(nf - h, t0 + block_frames)          # output frames [t0, t1)
            seg = x[t0 - h:t1 + h, p0:p1].astype(np.float64) - x[t0, p0:p1]   # frames t0-h .. t1+h-1
            c1 = np.zeros((seg.shape[0] + 1,) + seg.shape[1:])
            np.cumsum(seg, axis=0, out=c1[1:])
            c2 = np.zeros((seg.shape[0] + 1, seg.shape[1]))
            np.cumsum(np.einsum("fpk,fpk->fp", seg, seg), axis=0, out=c2[1:])
            m = t1 - t0
            # in segment coordinates frame t is at index t - t0 + h =: u, u = h..h+m-1
            # window A = [u-h, u] -> c[u+1] - c[u-h]; window B = [u, u+h] -> c[u+h+1] - c[u]
            sa1 = c1[h + 1:h + 1 + m] - c1[0:m]
            sb1 = c1[2 * h + 1:2 * h + 1 + m] - c1[h:h + m]
            sa2 = c2[h + 1:h + 1 + m] - c2[0:m]
            sb2 = c2[2 * h + 1:2 * h + 1 + m] - c2[h:h + m]
            mu_a = sa1 / nw
            mu_b = sb1 / nw
            var_a = np.maximum(sa2 / nw - np.einsum("fpk,fpk->fp", mu_a, mu_a), 0.0)
            var_b = np.maximum(sb2 / nw - np.einsum("fpk,fpk->fp", mu_b, mu_b), 0.0)
            dmu = mu_a - mu_b
            d2 = np.einsum("fpk,fpk->fp", dmu, dmu)
            out[t0:t1, p0:p1] = np.sqrt((var_a + d2) * (var_b + d2))
    return out


def phop_direct(unwrapped_positions, half_window: int = HALF_WINDOW) -> np.ndarray:
    """Reference p_hop: an explicit loop over t, averaging each window directly.

    Same definition, units and output as :func:`phop`; O(n_frames * h) and slow. For tests.
    """
    x = np.asarray(unwrapped_positions, dtype=np.float64)
    h = int(half_window)
    nf, n, _ = x.shape
    out = np.full((nf, n), np.nan)
    for t in range(h, nf - h):
        wa = x[t - h:t + 1]          # (h+1, N, 3)
        wb = x[t:t + h + 1]
        mean_a = wa.mean(axis=0)
        mean_b = wb.mean(axis=0)
        term_a = np.mean(np.sum((wa - mean_b) ** 2, axis=2), axis=0)
        term_b = np.mean(np.sum((wb - mean_a) ** 2, axis=2), axis=0)
        out[t] = np.sqrt(term_a * term_b)
    return out


def cumulative_displacement(unwrapped_positions, half_window: int = HALF_WINDOW, *,
                            box_length=None, max_step=MAX_STEP) -> np.ndarray:
    """Displacement across the p_hop window, ``|r_i(t + h) - r_i(t - h)|``.

    Parameters
    ----------
    unwrapped_positions : array_like, shape (n_frames, N, 3)
        Unwrapped positions in sigma_AA, frames 1 tau apart.
    half_window : int
        h in frames; the window [t - h, t + h] is the one p_hop uses.
    box_length, max_step :
        Wrapped-input check, as in :func:`phop`.

    Returns
    -------
    ndarray, float64, shape (n_frames, N)
        Displacement magnitude in sigma_AA; NaN for t < h or t > n_frames - 1 - h.
    """
    x = _check_trajectory(unwrapped_positions, half_window, box_length, max_step)
    h = int(half_window)
    nf, n, _ = x.shape
    out = np.full((nf, n), np.nan)
    if nf >= 2 * h + 1:
        d = x[2 * h:].astype(np.float64) - x[:nf - 2 * h]
        out[h:nf - h] = np.sqrt(np.einsum("fpk,fpk->fp", d, d))
    return out


def van_hove_self(unwrapped_positions, lag: int, types=None, bins=100, *, r_max=None,
                  convention: str = "magnitude", box_length=None, max_step=MAX_STEP):
    """Self part of the van Hove function of A particles at a lag, averaged over origins.

    Parameters
    ----------
    unwrapped_positions : array_like, shape (n_frames, N, 3)
        Unwrapped positions in sigma_AA, frames 1 tau apart.
    lag : int
        Time lag in frames (tau); 10 for the paper's Fig. 2 inset.
    types : array_like of int, shape (N,), optional
        0 = A, 1 = B; only A particles (types == 0) are used. All particles if None.
    bins : int or array_like
        Number of bins on [0, r_max] or explicit bin edges in sigma_AA (use common edges
        to compare temperatures).
    r_max : float, optional
        Upper edge when ``bins`` is an int; default: the largest displacement found, so
        that every sample falls in a bin.
    convention : {"magnitude", "volume"}
        "magnitude" (default): P(r), the probability density of the displacement
        magnitude ``r = |r_i(t + lag) - r_i(t)|``, in sigma_AA^-1, with
        integral P(r) dr = 1 when the bins cover every displacement.
        "volume": G_s(r) = P(r) / (4 pi r^2) per bin (shell volumes exactly), in
        sigma_AA^-3, with integral 4 pi r^2 G_s(r) dr = 1 (the 3d density).
        Samples outside the bins are counted in the normalisation, never renormalised
        away.

    Returns
    -------
    centres : ndarray, shape (n_bins,)
        Bin centres in sigma_AA.
    density : ndarray, shape (n_bins,)
        P(r) or G_s(r) per bin, as chosen by ``convention``.

    Notes
    -----
    Every origin t = 0 .. n_frames - 1 - lag and every selected particle contributes one
    sample.
    """
    x = _check_trajectory(unwrapped_positions, None, box_length, max_step)
    if int(lag) != lag or lag < 1:
        raise ValueError(f"lag must be a positive integer number of frames, got {lag!r}")
    lag = int(lag)
    nf, n, _ = x.shape
    if nf <= lag:
        raise ValueError(f"a lag of {lag} frames needs more than {lag} frames; got {nf}")
    if convention not in ("magnitude", "volume"):
        raise ValueError(f"convention must be 'magnitude' or 'volume', got {convention!r}")
    if types is None:
        sel = np.arange(n)
    else:
        t = np.asarray(types)
        if t.shape != (n,):
            raise ValueError(f"types must have shape ({n},), got {t.shape}")
        sel = np.flatnonzero(t == 0)
    edges = _van_hove_edges(bins, r_max, _displacement_blocks(x, lag, sel))
    counts = np.zeros(len(edges) - 1)
    total = 0
    for dr in _displacement_blocks(x, lag, sel):
        counts += np.histogram(dr, bins=edges)[0]
        total += dr.size
    centres = 0.5 * (edges[1:] + edges[:-1])
    if total == 0:
        return centres, np.zeros_like(centres)
    if convention == "magnitude":
        density = counts / (total * np.diff(edges))
    else:
        density = counts / (total * 4.0 / 3.0 * np.pi * (edges[1:] ** 3 - edges[:-1] ** 3))
    return centres, density


def _displacement_blocks(x, lag, sel):
    """Yield ``|r_i(t + lag) - r_i(t)|`` of the particles ``sel``, flattened, for blocks of
    origins t = 0 .. n_frames - 1 - lag (about 2 million displacements a block)."""
    n_orig = x.shape[0] - lag
    step = max(1, 2_000_000 // max(1, len(sel)))
    for o0 in range(0, n_orig, step):
        o1 = min(n_orig, o0 + step)
        d = x[o0 + lag:o1 + lag][:, sel].astype(np.float64) - x[o0:o1][:, sel]
        yield np.sqrt(np.einsum("fpk,fpk->fp", d, d)).ravel()


def _van_hove_edges(bins, r_max, blocks):
    """Bin edges of :func:`van_hove_self`: ``bins`` equal bins on [0, r_max] (r_max from the
    largest displacement in ``blocks`` if None), or ``bins`` itself as explicit edges."""
    if np.ndim(bins) == 0:
        if r_max is None:
            r_max = 0.0
            for dr in blocks:
                r_max = max(r_max, float(dr.max()) if dr.size else 0.0)
            r_max = r_max * (1 + 1e-12) or 1.0
        return np.linspace(0.0, float(r_max), int(bins) + 1)
    edges = np.asarray(bins, dtype=np.float64)
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("bins must be an int or increasing bin edges")
    return edges


def log_lags(n_frames: int, count: int = 20) -> np.ndarray:
    """About ``count`` distinct integer lags (frames), log-spaced from 1 to n_frames - 1."""
    if n_frames < 2:
        raise ValueError(f"need at least 2 frames for a lag, got {n_frames}")
    return np.unique(np.round(np.geomspace(1, n_frames - 1, count)).astype(int))
