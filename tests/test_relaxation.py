"""glasshelpers.core.dynamics.relaxation against known answers: Brownian walkers, exact decays, AR(1) series."""

import numpy as np
import pytest
from scipy.signal import lfilter

from glasshelpers.core.dynamics import equilibration as E
from glasshelpers.core.dynamics import relaxation as R

# Brownian walkers: D and the frame interval are known, so MSD = 6 D t and, for Gaussian
# displacements, F_s(k, t) = exp(-k^2 MSD / 6) = exp(-k^2 D t) exactly.
D_TRUE = 0.002          # sigma^2 / tau
DT = 1.0                # tau per frame
N_WALKERS = 400
N_FRAMES = 2000


def brownian(seed, n_frames=N_FRAMES, n=N_WALKERS, D=D_TRUE, dt=DT, d_second=None):
    """Gaussian random walk, unwrapped positions (n_frames, n, 3); D switches to
    ``d_second`` for the steps of the second half if given."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(size=(n_frames - 1, n, 3))
    scale = np.full(n_frames - 1, np.sqrt(2 * D * dt))
    if d_second is not None:
        scale[(n_frames - 1) // 2:] = np.sqrt(2 * d_second * dt)
    steps *= scale[:, None, None]
    x = np.concatenate([np.zeros((1, n, 3)), np.cumsum(steps, axis=0)])
    return x + rng.uniform(-10, 10, size=(1, n, 3))


@pytest.fixture(scope="module")
def walk():
    return brownian(11)


def ar1(seed, n, phi=0.9, sigma=1.0):
    e = np.random.default_rng(seed).normal(scale=sigma, size=n)
    return lfilter([1.0], [1.0, -phi], e)


# ----------------------------------------------------------------------------- MSD
def test_msd_fft_equals_direct_and_freud():
    x = brownian(3, n_frames=257, n=30, D=0.05)
    lags = np.array([0, 1, 2, 7, 64, 200, 256])
    got = R.msd(x, lags)
    direct = np.array([np.mean(np.sum((x[m:] - x[:len(x) - m]) ** 2, axis=2)) for m in lags])
    np.testing.assert_allclose(got, direct, rtol=1e-10, atol=1e-12)
    per = R.msd(x, lags, per_origin=True)
    assert per.shape == (len(lags), len(x))
    assert np.isnan(per[-1, 1:]).all() and np.isfinite(per[-1, 0])      # lag 256: origin 0 only
    np.testing.assert_allclose(np.nanmean(per, axis=1), got, rtol=1e-10, atol=1e-12)
    freud = pytest.importorskip("freud")
    ref = freud.msd.MSD(mode="window").compute(x).msd                     # float32 inside freud
    np.testing.assert_allclose(got[1:], ref[lags[1:]], rtol=1e-4)


def test_msd_window_uses_only_frames_inside():
    x = brownian(4, n_frames=100, n=20, D=0.05)
    got = R.msd(x, [1, 5, 30], origins=(40, 90))
    np.testing.assert_allclose(got, R.msd(x[40:90], [1, 5, 30]), rtol=1e-12)
    # changing frames outside the window changes nothing; inside, it does
    y = x.copy()
    y[:40] += 3.0
    y[90:] -= 5.0
    np.testing.assert_allclose(R.msd(y, [1, 5, 30], origins=(40, 90)), got, rtol=1e-12)
    y[60, 0] += 1.0
    assert not np.allclose(R.msd(y, [1, 5, 30], origins=(40, 90)), got)
    with pytest.raises(ValueError):
        R.msd(x, [50], origins=(40, 90))                                    # lag >= window length
    with pytest.raises(ValueError):
        R.msd(x, [1], origins=(90, 40))


def test_msd_of_brownian_walkers_is_6Dt(walk):
    lags = np.array([1, 2, 5, 10, 20, 50, 100])
    m = R.msd(walk, lags)
    expected = 6 * D_TRUE * lags * DT
    # relative std of the all-origin mean is ~ sqrt(2/3) / sqrt(N * n_frames / lag) <= 0.9 % here
    np.testing.assert_allclose(m, expected, rtol=0.035)
    # and not an accident of the tolerance: a walk with 10 % larger D fails it
    m_big = R.msd(brownian(11, D=1.1 * D_TRUE), lags)
    assert not np.allclose(m_big, expected, rtol=0.035)


def test_particle_selection():
    x = brownian(5, n_frames=200, n=40, D=0.01)
    x[:, 20:] *= 3.0                                         # second group moves 3x further
    sel = np.zeros(40, bool)
    sel[:20] = True
    np.testing.assert_allclose(R.msd(x, [10], particles=sel), R.msd(x[:, :20], [10]))
    np.testing.assert_allclose(R.msd(x, [10], particles=np.arange(20, 40)), 9 * R.msd(x[:, 20:] / 3, [10]))


# ----------------------------------------------------------------------------- F_s
def test_fs_of_gaussian_displacements(walk):
    k = R.FS_WAVENUMBER
    lags = np.array([0, 1, 3, 10, 20, 40])
    fs = R.self_intermediate_scattering(walk, lags, k)
    assert fs[0] == 1.0
    np.testing.assert_allclose(fs, np.exp(-k ** 2 * D_TRUE * lags * DT), atol=0.01)
    np.testing.assert_allclose(fs, np.exp(-k ** 2 * R.msd(walk, lags) / 6), atol=0.01)
    # direct evaluation of the isotropic average for a few lags
    for m in (3, 20):
        r = np.linalg.norm(walk[m:] - walk[:-m], axis=2)
        np.testing.assert_allclose(fs[list(lags).index(m)], np.mean(np.sin(k * r) / (k * r)), rtol=1e-10)
    per = R.self_intermediate_scattering(walk, lags, k, per_origin=True)
    np.testing.assert_allclose(np.nanmean(per, axis=1), fs, rtol=1e-12)
    # windowed: same as slicing
    np.testing.assert_allclose(R.self_intermediate_scattering(walk, [5], k, (100, 600)),
                               R.self_intermediate_scattering(walk[100:600], [5], k), rtol=1e-12)


# ------------------------------------------------------------------------ tau_alpha
def test_tau_alpha_exponential_and_stretched():
    t = np.concatenate([[0.0], np.geomspace(0.01, 1000, 121)])     # 20 points per decade
    for tau in (0.3, 2.0, 37.0, 400.0):
        assert R.tau_alpha(t, np.exp(-t / tau)) == pytest.approx(tau, rel=2e-3)
        for beta in (0.5, 0.75):
            assert R.tau_alpha(t, np.exp(-(t / tau) ** beta)) == pytest.approx(tau, rel=2e-3)
    # exact when a sample sits on the crossing; linear-in-log-t interpolation otherwise
    assert R.tau_alpha([1.0, 2.0, 4.0], [0.9, np.exp(-1), 0.1]) == pytest.approx(2.0, rel=1e-12)
    assert R.tau_alpha([1.0, 4.0], [np.exp(-1) + 0.1, np.exp(-1) - 0.1]) == pytest.approx(2.0, rel=1e-12)
    # from t = 0, linear in t
    assert R.tau_alpha([0.0, 1.0], [1.0, 0.0]) == pytest.approx(1 - np.exp(-1), rel=1e-12)
    # first crossing, not a later one
    assert R.tau_alpha([1, 2, 3, 4], [0.9, 0.2, 0.9, 0.1]) < 2


def test_tau_alpha_flags_missing_crossing():
    t = np.geomspace(0.1, 10, 30)
    assert np.isnan(R.tau_alpha(t, np.exp(-t / 100)))                # never decays to 1/e
    assert np.isnan(R.tau_alpha(t, np.exp(-t / 0.01)))               # crossed before the first sample
    with pytest.raises(ValueError):
        R.tau_alpha(t[::-1], np.exp(-t / 1))


def test_tau_alpha_of_brownian_walkers_with_block_interval(walk):
    k = R.FS_WAVENUMBER
    true_tau = 1 / (k ** 2 * D_TRUE)                                    # 9.51 tau
    lags = np.arange(1, 31)
    per = R.self_intermediate_scattering(walk, lags, k, per_origin=True)
    iv = E.tau_alpha_interval(lags * DT, per, n_boot=400, seed=1, confidence=0.95)
    assert iv.estimate == pytest.approx(true_tau, rel=0.02)
    assert iv.covers(true_tau)
    assert iv.block_length == 10 and iv.n_blocks == N_FRAMES // 10 and iv.n_valid == 400
    assert iv.high - iv.low < 0.1 * true_tau
    again = E.tau_alpha_interval(lags * DT, per, n_boot=400, seed=1, confidence=0.95)
    assert (again.low, again.high) == (iv.low, iv.high)                   # seeded


# ------------------------------------------------------------------------------- D
def test_diffusion_coefficient_exact_line():
    t = np.arange(1.0, 101.0)
    fit = R.diffusion_coefficient(t, 6 * 0.037 * t + 0.4, t_min=10)
    assert fit.D == pytest.approx(0.037, rel=1e-12)
    assert fit.intercept == pytest.approx(0.4, rel=1e-10)
    assert fit.stderr < 1e-12 and fit.n_points == 91 and fit.t_min == 10
    D, err = R.diffusion_coefficient(t, 6 * 0.037 * t, t_min=10, intercept=False)   # unpacks (D, stderr)
    assert D == pytest.approx(0.037, rel=1e-12) and err < 1e-12
    # the fit range is honoured: a ballistic start below t_min does not bias D
    y = np.where(t < 10, 0.5 * t ** 2, 6 * 0.037 * t + 0.4)
    assert R.diffusion_coefficient(t, y, t_min=10).D == pytest.approx(0.037, rel=1e-12)
    assert R.diffusion_coefficient(t, y, t_min=1).D != pytest.approx(0.037, rel=0.05)
    with pytest.raises(ValueError):
        R.diffusion_coefficient(t, y, t_min=99.5)


def test_diffusion_of_brownian_walkers_block_bootstrap(walk):
    lags = np.unique(np.round(np.geomspace(1, 100, 25)).astype(int))
    t = lags * DT
    per = R.msd(walk, lags, per_origin=True)
    fit = R.diffusion_coefficient(t, np.nanmean(per, axis=1), t_min=10)
    assert fit.D == pytest.approx(D_TRUE, rel=0.03)
    iv = E.diffusion_interval(t, per, t_min=10, n_boot=400, seed=2, confidence=0.95)
    assert iv.estimate == pytest.approx(fit.D, rel=1e-12)
    assert iv.block_length == 100 and iv.n_blocks == 20
    assert iv.covers(D_TRUE)
    assert iv.high - iv.low < 0.1 * D_TRUE
    # blocks matter: with single-origin "blocks" the interval ignores the overlap of
    # displacement windows and is several times too narrow
    naive = E.diffusion_interval(t, per, t_min=10, block_length=1, n_boot=400, seed=2, confidence=0.95)
    assert (naive.high - naive.low) < 0.5 * (iv.high - iv.low)


def test_block_interval_coverage_over_seeds():
    """Across independent walks the 68 % interval of D covers the truth about 68 % of
    the time (binomial: 40 walks, at least 18 expected with near certainty)."""
    lags = np.array([5, 10, 15, 20, 30, 40])
    covered = 0
    for seed in range(40):
        x = brownian(1000 + seed, n_frames=800, n=20, D=0.01)
        per = R.msd(x, lags, per_origin=True)
        iv = E.diffusion_interval(lags * 1.0, per, t_min=5, n_boot=200, seed=seed)
        covered += iv.covers(0.01)
    assert 18 <= covered <= 37


# --------------------------------------------------------------------- ageing test
def test_ageing_test_flags_drift_and_passes_stationary():
    n = 4000
    noise = ar1(7, n)
    stationary = E.ageing_test(noise, quantity="U/N")
    drift = np.linspace(0.0, 4.0, n)
    drifting = E.ageing_test(noise + drift, quantity="U/N")
    assert stationary.verdict == "equilibrated" and stationary.equilibrated
    assert drifting.verdict == "ageing" and drifting.p_value < 1e-3
    shift = drift[n // 2:].mean() - drift[:n // 2].mean()                 # 2.0005
    assert drifting.difference == pytest.approx(shift + stationary.difference, abs=1e-9)
    assert drifting.difference_err > 0 and drifting.z > 4
    # AR(1), phi = 0.9: tau_int = (1 + phi) / (2 (1 - phi)) = 9.5 samples; blocks of 200
    assert stationary.tau_int == pytest.approx(9.5, rel=0.3)
    assert stationary.block_length == 200 and stationary.blocks_ok
    # halves and block errors computed as documented
    half = noise[:2000]
    blocks = half.reshape(10, 200).mean(axis=1)
    assert stationary.first_mean == pytest.approx(half.mean())
    assert stationary.first_err == pytest.approx(blocks.std(ddof=1) / np.sqrt(10))
    # deterministic
    assert E.ageing_test(noise, quantity="U/N") == stationary


def test_ageing_test_false_alarm_rate():
    flags = [E.ageing_test(ar1(100 + s, 4000), alpha=0.05).verdict == "ageing" for s in range(50)]
    assert sum(flags) <= 7                                  # <= 14 % at a nominal 5 %


def test_ageing_test_blocks_too_short_are_reported():
    res = E.ageing_test(ar1(3, 400, phi=0.99), n_blocks=20)
    assert not res.blocks_ok
    with pytest.raises(ValueError):
        E.ageing_test(np.arange(10.0), n_blocks=10)


# --------------------------------------------------------- two-halves dynamics test
def test_compare_halves_dynamics():
    const = E.compare_halves_dynamics(brownian(21, n_frames=1200, n=300), lag=20)
    slowed = E.compare_halves_dynamics(brownian(21, n_frames=1200, n=300, d_second=D_TRUE / 2), lag=20)
    assert const.msd.verdict == "equilibrated" and const.fs.verdict == "equilibrated"
    assert const.verdict == "equilibrated"
    assert const.tau_alpha_frames == pytest.approx(1 / (R.FS_WAVENUMBER ** 2 * D_TRUE), rel=0.05)
    assert const.fs_lag == round(const.tau_alpha_frames) and const.windows == ((0, 600), (600, 1200))
    assert const.msd.first_mean == pytest.approx(6 * D_TRUE * 20, rel=0.05)
    assert slowed.verdict == "ageing"
    assert slowed.msd.verdict == "ageing" and slowed.fs.verdict == "ageing"
    assert slowed.msd.second_mean / slowed.msd.first_mean == pytest.approx(0.5, rel=0.1)
    assert slowed.fs.difference > 0                      # slower second half: F_s decays less


# ---------------------------------------------------------- published references
def test_published_references_are_sourced_and_consistent():
    from glasshelpers.reference import published as P
    refs = [P.T_MCT, P.MELTING_TEMPERATURE, *P.POTENTIAL_ENERGY, *P.derived_t045().values()]
    for r in refs:
        assert r.source and r.where and r.unit
        assert r.kind in ("published", "published data", "secondary", "derived")
    assert P.T_MCT.value == 0.435 and P.MELTING_TEMPERATURE.value == 1.028
    u = {r.temperature: r.value for r in P.POTENTIAL_ENERGY}
    assert sorted(u) == [0.45, 0.8, 1.028]
    assert u[0.45] < u[0.8] < u[1.028] < 0                    # U/N rises with T along the isochore
    tab = P.RUMD_T045
    assert len(tab.time) == len(tab.msd_a) == len(tab.msd_b) == len(tab.fs_a) == len(tab.fs_b) == 30
    np.testing.assert_allclose(tab.time[1:] / tab.time[:-1], 2.0, rtol=1e-4)   # doubling times
    assert np.all(np.diff(tab.msd_a) > 0) and np.all(np.diff(tab.msd_b) > 0)
    der = P.derived_t045()
    # long-time slope: D_A ~ MSD/(6 t) at the last point; B diffuses faster than A
    assert der["D_A"].value == pytest.approx(tab.msd_a[-1] / (6 * tab.time[-1]), rel=0.02)
    assert der["D_B"].value > 3 * der["D_A"].value
    assert 1048.58 < der["tau_alpha_A"].value < 2097.15     # the bracketing tabulated times
    assert all(r.kind == "derived" for r in der.values())


def test_power_law_round_trip():
    from glasshelpers.reference import published as P
    T = np.array([0.47, 0.5, 0.55, 0.6, 0.8])
    D = P.power_law(T, 0.05, 2.3)
    amp, gamma = P.fit_power_law(T, D)
    assert amp == pytest.approx(0.05, rel=1e-10) and gamma == pytest.approx(2.3, rel=1e-10)
    assert np.isnan(P.power_law([0.43], 1.0, 2.0)[0])
