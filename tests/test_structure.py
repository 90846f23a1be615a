import numpy as np
import pytest

from glasshelpers.figures.simfigures import rdf_figure, thermo_figure
from glasshelpers.core.structure.structure import partial_rdf


def test_ideal_gas_rdf_is_one():
    rng = np.random.default_rng(0)
    L = 12.0
    x = rng.uniform(-L / 2, L / 2, size=(4000, 3))
    t = (rng.random(4000) < 0.2).astype(int)
    r, g = partial_rdf(x, t, L, r_max=5.0, bins=10)
    for name in ("AA", "AB"):
        assert np.allclose(g[name][2:], 1.0, atol=0.05)


def test_simple_cubic_lattice_first_peak():
    """On a simple cubic lattice (spacing a) the first neighbours sit at a with 6 partners:
    integrating rho g(r) 4 pi r^2 dr over the first shell gives 6."""
    a, n = 1.0, 8
    grid = (np.stack(np.meshgrid(*[np.arange(n)] * 3, indexing="ij"), -1).reshape(-1, 3) + 0.5) * a - n * a / 2
    r, g = partial_rdf(grid, np.zeros(len(grid), int), n * a, r_max=1.2, bins=120)
    dr = r[1] - r[0]
    shell = (r > 0.9) & (r < 1.1)
    coordination = np.sum(g["AA"][shell] * 4 * np.pi * r[shell] ** 2 * dr) * (len(grid) / (n * a) ** 3)
    assert coordination == pytest.approx(6.0, rel=0.02)


def test_rdf_rejects_large_rmax():
    with pytest.raises(ValueError, match="half the box"):
        partial_rdf(np.zeros((2, 3)), np.zeros(2, int), 6.0, r_max=3.5)


def test_figures_headless():
    rows = [{"phase": "equilibration", "time": -1.0, "pe": -6.0, "temperature": 1.0},
            {"phase": "production", "time": 0.0, "pe": -6.01, "temperature": 0.99}]
    fig = thermo_figure(rows, target_temperature=1.0)
    assert len(fig.axes) == 2
    fig2 = rdf_figure(np.linspace(0, 1, 5), {"AA": np.ones(5)})
    assert len(fig2.axes[0].lines) == 2


def test_stage_figures_headless():
    from glasshelpers.figures.simfigures import mean_features_figure, phop_distribution_figure, phop_traces_figure
    r = np.arange(50) * 0.1
    fig = mean_features_figure(r, {0.45: np.ones(100), 2.0: np.zeros(100)})
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2
    rng = np.random.default_rng(0)
    fig = phop_distribution_figure({0.45: rng.lognormal(-4, 1, 1000), 1.0: rng.lognormal(-2, 1, 1000)},
                                   {"p_c": 0.2, "p_l": 0.02})
    assert len(fig.axes[0].lines) == 4
    ph = rng.random((20, 3))
    fig = phop_traces_figure(ph, {"a": 0, "b": 2}, p_c=0.2, p_l=0.01)
    assert len(fig.axes[0].lines) == 4
