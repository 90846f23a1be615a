"""The online correlator against the batch MSD and F_s of relaxation.py on one trajectory."""

import numpy as np
import pytest

from glasshelpers.core.dynamics.correlator import OriginCorrelator, log_step_lags
from glasshelpers.core.dynamics.relaxation import msd, self_intermediate_scattering


def _walk(n_frames=61, n=50, seed=3):
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.normal(scale=0.3, size=(n_frames, n, 3)), axis=0)


def _feed(c, x, start=0):
    for s in c.schedule():
        if s >= start:
            c.observe(s, x[s])


def test_log_step_lags():
    lags = log_step_lags(1000, per_decade=4)
    assert lags[0] == 1 and lags[-1] == 1000 and np.all(np.diff(lags) > 0)
    assert np.allclose(np.log10(lags), np.linspace(0, 3, 13), atol=0.2)
    assert list(log_step_lags(3, per_decade=8)) == [1, 2, 3]
    with pytest.raises(ValueError):
        log_step_lags(0)


def test_matches_batch_per_origin_and_particles():
    x = _walk()
    lags = np.array([1, 2, 5, 13, 30])
    a = np.arange(50) < 40
    c = OriginCorrelator(60, 10, lags, a)
    _feed(c, x)
    ref_msd = msd(x, lags, per_origin=True, particles=a)          # (lags, origins)
    ref_fs = self_intermediate_scattering(x, lags, per_origin=True, particles=a)
    for i, o in enumerate(c.origins_):
        for j, lag in enumerate(lags):
            if o + lag <= 60:
                assert c.msd_[i, j] == pytest.approx(ref_msd[j, o], rel=1e-12)
                assert c.fs_[i, j] == pytest.approx(ref_fs[j, o], rel=1e-12, abs=1e-14)
            else:
                assert np.isnan(c.msd_[i, j]) and np.isnan(c.fs_[i, j])
    # a random walk: MSD = 3 * 0.09 * lag on average, F_s = exp(-k^2 MSD / 6)
    assert np.nanmean(c.msd_[:, 0]) == pytest.approx(0.27, rel=0.15)
    assert not c._open                                             # every origin closed at the end


def test_resumes_exactly_from_its_state():
    x = _walk(seed=5)
    lags = log_step_lags(25, per_decade=5)
    ref = OriginCorrelator(60, 7, lags, np.ones(50, bool))
    _feed(ref, x)
    c = OriginCorrelator(60, 7, lags, np.ones(50, bool))
    sched = c.schedule()
    for s in sched[sched <= 33]:
        c.observe(s, x[s])
    saved = {k: np.array(v) for k, v in c.state().items()}
    d = OriginCorrelator.from_state(saved)
    _feed(d, x, start=34)
    assert np.array_equal(d.msd_, ref.msd_, equal_nan=True) and np.array_equal(d.fs_, ref.fs_, equal_nan=True)
    assert set(saved["open_origins"]) <= set(range(0, 34, 7))


def test_bad_input():
    with pytest.raises(ValueError, match="increasing"):
        OriginCorrelator(10, 2, [3, 2], [0, 1])
    with pytest.raises(ValueError, match="positive"):
        OriginCorrelator(0, 2, [1], [0])
    with pytest.raises(ValueError, match="no particles"):
        OriginCorrelator(10, 2, [1], np.zeros(3, bool))
