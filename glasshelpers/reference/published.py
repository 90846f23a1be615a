"""Published reference values for the Kob-Andersen 80:20 mixture at density 1.2.

Independent of Obadiya & Sussman (2023): numbers our equilibrium runs can be compared
against. Reduced Lennard-Jones units of the A particles: lengths sigma_AA, energies
epsilon_AA, temperature epsilon_AA / k_B, time tau = sigma_AA sqrt(m / epsilon_AA)
(glassbook's unit; LAMMPS ``units lj``; RUMD and gamdpy use the same). The model is the
standard one (Kob & Andersen, Phys. Rev. E 51, 4626 (1995), Table I of parameters): equal
masses, epsilon_AB = 1.5, epsilon_BB = 0.5, sigma_AB = 0.8, sigma_BB = 0.88, each pair cut
at 2.5 sigma_ab; glassbook shifts the pair potential to zero at the cut (``pair_modify
shift yes``), which moves U/N by a constant, so compare U/N only with a source that
shifts too (noted per value).

Every value below was read from a named source during this work (the source is in
``Reference.source`` / ``Reference.where`` and in a comment at the value). Values marked
``kind="derived"`` are not printed in any source: they are computed here, with
:mod:`glasshelpers.core.dynamics.relaxation`, from published tabulated data, and say so.

What is here
------------
* :data:`T_MCT` -- the mode-coupling / power-law critical temperature T_c = 0.435 of
  Kob & Andersen (PRL 73, 1376 (1994); PRE 51, 4626 (1995)). Found only as a secondary
  quotation (see its ``where``); the primary papers' text with the number was not
  reachable here.
* :data:`MELTING_TEMPERATURE` -- T_m = 1.028(3) at density 1.2 (Pedersen, Schroder & Dyre,
  PRL 120, 165501 (2018), abstract).
* ``POTENTIAL_ENERGY`` -- equilibrium U/N at three state points: T = 0.45 (RUMD
  reference data, N = 10000), T = 0.8 (a RUMD 3 value quoted by gamdpy's example) and
  T = 1.028 (Pedersen et al. 2018 data repository).
* ``RUMD_T045`` -- tabulated MSD(t) and F_s(k, t) of A and B at T = 0.45 (RUMD
  reference data, N = 10000), :func:`derived_t045` -- D_A, D_B and tau_alpha from them,
  and :func:`rumd_t045_at` -- the A curves at any time inside the table.
* :data:`ONSET_TEMPERATURES` -- onset temperatures from three definitions (0.87 from the
  softness literature as the paper quotes it; about 1.0 from the energy landscape; 1.03,
  the onset of viscous dynamics, approximately T_m).
* :func:`power_law` / :func:`fit_power_law` -- the MCT form A (T - T_c)^gamma, to fit
  one's own D(T) or 1/tau_alpha(T) with T_c fixed at 0.435.

What could not be found
-----------------------
(searched: documentation, web pages, issue threads and public code, by meaning and by
exact strings such as "0.435", "Tc=0.435", "Phys. Rev. E 51, 4626")

* Kob & Andersen's table of D_A(T) and their power-law exponents and amplitudes. The
  abstracts seen (cond-mat/9501102, PRE 51, 4626; cond-mat/9505118, its part II) state
  that D(T) of A and B follows a power law with one T_c and similar exponents, different
  from the exponent of tau(T), but the excerpts reachable here do not give the numbers.
  In particular gamma_A = 2.0 (the value usually quoted) was *not* found in a source
  and is not included; :func:`power_law` takes gamma as an argument instead.
* tau_alpha(T) tables from Berthier & Tarjus, Flenner & Szamel or Coslovich & Pastore:
  not found. The only tau_alpha here is derived from the RUMD F_s table at T = 0.45.
* A table of equilibrium U/N(T) over the supercooled range: only the two state points
  above were found.
* Time unit of Kob & Andersen's own numbers: a comment in public analysis code (an
  ``analysis`` script for HOOMD trajectories, "include this sqrt(48) iff you want to use
  the old standard of Kob and Andersen") says they measured time in
  sigma sqrt(m / (48 epsilon)), i.e. tau / sqrt(48). If so, their D values are
  sqrt(48) = 6.93 times smaller in tau units than in theirs, and their times sqrt(48)
  times larger. This was not checked against the papers: convert before comparing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Density of every value here (number density, sigma_AA^-3).
DENSITY = 1.2


@dataclass(frozen=True)
class Reference:
    """One reference value with its provenance.

    - quantity : what it is (e.g. "U/N").
    - value : the number; ``error`` its quoted uncertainty (None if none is given).
    - unit : in reduced LJ units (epsilon_AA, sigma_AA, tau = sigma_AA sqrt(m/epsilon_AA)).
    - temperature : state point (epsilon_AA / k_B); density is :data:`DENSITY`.
    - n_particles : system size of the source's simulation, if stated.
    - source : full citation.
    - where : table / figure / file in the source that holds the number.
    - kind : "published" (printed in the paper), "published data" (a data file
      distributed with or for the paper), "secondary" (quoted by someone else) or
      "derived" (computed here from published data).
    - notes : conventions (cutoff, shift, time unit, ensemble) and caveats.
    """

    quantity: str
    value: float
    unit: str
    temperature: float | None
    source: str
    where: str
    kind: str
    error: float | None = None
    n_particles: int | None = None
    notes: str = ""


# --------------------------------------------------------------- sources (citations)
KOB_ANDERSEN_1994 = ("W. Kob and H. C. Andersen, \"Scaling behavior in the beta-relaxation regime of a "
                     "supercooled Lennard-Jones mixture\", Phys. Rev. Lett. 73, 1376 (1994), "
                     "doi:10.1103/PhysRevLett.73.1376")
KOB_ANDERSEN_1995 = ("W. Kob and H. C. Andersen, \"Testing mode-coupling theory for a supercooled binary "
                     "Lennard-Jones mixture: The van Hove correlation function\", Phys. Rev. E 51, 4626 "
                     "(1995), doi:10.1103/PhysRevE.51.4626 (arXiv:cond-mat/9501102)")
PEDERSEN_2018 = ("U. R. Pedersen, T. B. Schroder and J. C. Dyre, \"Phase diagram of Kob-Andersen-type "
                 "binary Lennard-Jones mixtures\", Phys. Rev. Lett. 120, 165501 (2018), "
                 "doi:10.1103/PhysRevLett.120.165501; data: github.com/urpedersen/PRL_120_165501_data, "
                 "Zenodo doi:10.5281/zenodo.10047547")
GAMDPY_KABLJ_EXAMPLE = ("RUMD 3 reference values for the Kob-Andersen mixture at rho = 1.2, T = 0.8, quoted in "
                        "gamdpy (formerly rumdpy, the RUMD group's GPU MD code) as the pass/fail targets of its "
                        "example examples/kablj.py (github.com/jklust/gamdpy, commit "
                        "08142db88063b941f8bffd38ad8304840be7fb7d)")
RUMD_REFERENCE_2022 = ("RUMD 3 reference data for the Kob-Andersen mixture, N = 10000, rho = 1.2, T = 0.45, "
                       "distributed with gamdpy 0.8.2 (PyPI) in science_tests/ReferenceData/kablj_prl_2022_*.dat "
                       "(file header: created with Octave by T. B. Schroder, 2021); the test script "
                       "science_tests/kablj_prl_2022.py attributes it to Phys. Rev. Lett. 129, 245501 (2022), "
                       "doi:10.1103/PhysRevLett.129.245501")

# ------------------------------------------------------------------------------ T_c
#: Kob & Andersen's critical temperature of the power laws of D(T) and tau(T).
#: Source check: the abstracts of PRE 51, 4626 (cond-mat/9501102, ar5iv) and of its part
#: II (cond-mat/9505118) say D(T) and tau(T) follow power laws with a common critical
#: temperature but do not show it in the excerpts reachable here; the number 0.435 was
#: found in public code that quotes it: a gnuplot analysis script ("#Tc from
#: Kob-Andersen / Tc=0.435", which also fits D = a (T - Tc)^expo starting from Tc = 0.435)
#: and design notes stating "the literature values are a mode-coupling temperature
#: T_MCT = 0.435" for KA at rho = 1.2.
T_MCT = Reference(
    quantity="T_c (power-law / mode-coupling critical temperature)", value=0.435, unit="epsilon_AA/k_B",
    temperature=None, source=f"{KOB_ANDERSEN_1994}; {KOB_ANDERSEN_1995}",
    where="quoted as 'Tc from Kob-Andersen' in public analysis code (not read in the papers themselves)",
    kind="secondary",
    notes="Fit parameter of D ~ (T - T_c)^gamma and tau ~ (T - T_c)^-gamma; the exponents differ between "
          "D and tau (abstract of PRE 51, 4626).")

# ---------------------------------------------------------------------- melting T
#: Abstract of PRL 120, 165501 (2018), also the README of its data repository: "the
#: melting temperature of the standard KA system at liquid density 1.2 is 1.028(3)".
MELTING_TEMPERATURE = Reference(
    quantity="T_m (melting temperature, fcc A crystal + liquid coexistence)", value=1.028, error=0.003,
    unit="epsilon_AA/k_B", temperature=None, source=PEDERSEN_2018, where="abstract", kind="published",
    notes="Above it the KA liquid is stable; below it, very long runs can crystallise (A-rich fcc). The paper "
          "reports the onset temperature of viscous dynamics to be approximately equal to T_m.")

# ----------------------------------------------------------------- onset temperatures
#: Onset temperatures of the KA model at density 1.2 from other definitions, for the
#: indicator test of stage 6. Not one definition: where the softness lines of
#: ln P_R vs 1/T meet, where the inherent-structure energy starts to fall, where viscous
#: (non-Arrhenius) dynamics begins.
ONSET_TEMPERATURES = (
    Reference(quantity="T_0 (onset; common intersection of the softness Kramers lines, and excitation onset)",
              value=0.87, unit="epsilon_AA/k_B", temperature=None,
              source="A. S. Keys et al., Phys. Rev. X 1, 021013 (2011); S. S. Schoenholz et al., Nat. Phys. 12, "
                     "469 (2016)",
              where="quoted by Obadiya & Sussman, Phys. Rev. Research 5, 043112 (2023), Sec. II, citing both",
              kind="secondary", notes="the value the paper compares with; 0.8-1.2 called reasonable there"),
    Reference(quantity="T_onset (energy landscape: inherent-structure energy starts to fall on cooling)",
              value=1.0, unit="epsilon_AA/k_B", temperature=None,
              source="S. Sastry, P. G. Debenedetti and F. H. Stillinger, Nature 393, 554 (1998)",
              where="value as commonly quoted for KA at rho = 1.2; the figure itself was not read here",
              kind="secondary", notes="a crossover, about 1.0 within roughly +-0.1"),
    Reference(quantity="T_onset of viscous dynamics (approximately T_m)", value=1.028, error=0.003,
              unit="epsilon_AA/k_B", temperature=None, source=PEDERSEN_2018, where="abstract", kind="published",
              notes="the abstract equates the onset of viscous dynamics approximately with T_m = 1.028(3)"),
)

# ------------------------------------------------------------------------ U/N(T)
POTENTIAL_ENERGY = (
    # kablj_prl_2022_NRhoTUWgammaRCvex.dat: "10000 1.2 0.45 -7.0120086007193754
    # 2.1012059460725023 5.1674851935839294 0.93143639063519901 2.1181853763487202"
    # = N, rho, T, U/N, W/N, gamma, R, C_V,ex (the test script reads column 3 as <U>,
    # column 4 as <W> and column 7 as C_V,ex = N var(u) / T^2).
    Reference(quantity="U/N (potential energy per particle)", value=-7.0120086007193754, unit="epsilon_AA",
              temperature=0.45, n_particles=10000, source=RUMD_REFERENCE_2022,
              where="science_tests/ReferenceData/kablj_prl_2022_NRhoTUWgammaRCvex.dat, column 4",
              kind="published data",
              notes="Shifted potential at 2.5 sigma_ab (the gamdpy test that compares against it uses "
                    "apply_shifted_potential_cutoff), as in glassbook. Same file: virial W/N = 2.1012, density "
                    "scaling exponent gamma = 5.167, W-U correlation R = 0.931, C_V,ex/N = 2.118."),
    # examples/kablj.py: "if rho==1.200 and temperature==0.800: mu3 = -6.346, mw3 = 5.534,
    # cvex3 = 0.0001089086505*10000/0.8**2", then "assert abs(mu - mu3) < 0.01" against its
    # own NVT run (shifted potential at 2.5 sigma_ab, dt = 0.004).
    Reference(quantity="U/N (potential energy per particle)", value=-6.346, unit="epsilon_AA",
              temperature=0.8, n_particles=10000, source=GAMDPY_KABLJ_EXAMPLE,
              where="examples/kablj.py, variable mu3 (RUMD 3 value, three decimals)", kind="secondary",
              notes="Shifted potential at 2.5 sigma_ab (apply_shifted_potential_cutoff), NVT, as in glassbook. "
                    "N = 10000 is read from the heat-capacity line (variance per particle times 10000), "
                    "not stated. Same lines: virial W/N = 5.534. The example's own tolerance is 0.01."),
    # figure_4/liquid.csv, row "0.200,1.028,1.200,5.11,-5.974,7.444"
    # (mole_fraction, temperature, density, scaling_exponent, energy, virial): liquid
    # properties along the p = 10.19 isobar; figure_4/readme.md defines u = U/N, w = W/N.
    # Check: p = rho (T + w) = 1.2 (1.028 + 7.444) = 10.17, the isobar.
    Reference(quantity="U/N (potential energy per particle)", value=-5.974, unit="epsilon_AA",
              temperature=1.028, source=PEDERSEN_2018,
              where="data repository, figure_4/liquid.csv (row mole_fraction = 0.200)", kind="published data",
              notes="Liquid at the melting point on the p = 10.19 isobar, which crosses rho = 1.200 there. "
                    "Same row: W/N = 7.444, density scaling exponent gamma = 5.11. The repository says the LJ "
                    "interactions are truncated at 2.5; whether shifted is not stated in the files read."),
)

# ------------------------------------------------------------ T = 0.45 RUMD tables
# kablj_prl_2022_msd.dat: time, MSD_A, MSD_B (times in tau; first time = the test's
# dt = 0.004, doubling). kablj_prl_2022_Fs.dat ("# qvalues: 7.25 5.5"): time,
# F_s of A at k = 7.25, F_s of B at k = 5.5 (the test passes qvalues=[7.25, 5.5], one
# per type, and labels the columns "A, ref" and "B, ref"). Copied verbatim.
_T045_TIME = (0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384,
              32.768, 65.536, 131.072, 262.144, 524.288, 1048.58, 2097.15, 4194.3, 8388.61, 16777.2, 33554.4,
              67108.9, 134218, 268435, 536871, 1.07374e+06, 2.14748e+06)
_T045_MSD_A = (2.16103e-05, 8.62451e-05, 0.00034225, 0.00132732, 0.00472161, 0.0126911, 0.0209064, 0.0272517,
               0.0310148, 0.0327246, 0.0337584, 0.0365007, 0.0392029, 0.0440765, 0.051452, 0.0650199,
               0.0894046, 0.136121, 0.226427, 0.407019, 0.753408, 1.44628, 2.85345, 5.6514, 11.246, 22.4391,
               44.807, 89.5729, 179.113, 356.235)
_T045_MSD_B = (2.1606e-05, 8.62578e-05, 0.000342832, 0.00133769, 0.00487805, 0.0144446, 0.0290155, 0.0396053,
               0.0457456, 0.0501413, 0.0545062, 0.0623097, 0.0720032, 0.0888258, 0.115223, 0.162709, 0.248853,
               0.41388, 0.72995, 1.35144, 2.53278, 4.89336, 9.61905, 19.0089, 37.7688, 75.356, 150.321,
               301.498, 602.528, 1197.29)
_T045_FS_A = (0.999811, 0.999245, 0.997006, 0.98844, 0.959483, 0.894924, 0.833704, 0.789985, 0.765808,
              0.755989, 0.751492, 0.737321, 0.726316, 0.706896, 0.68185, 0.642756, 0.586724, 0.502995,
              0.392427, 0.257399, 0.130372, 0.0399276, 0.00413847, 0.000199963, -0.00045914, 0.000158818,
              -0.000158356, 0.000364792, 0.000213075, 0.00018288)
_T045_FS_B = (0.999891, 0.999565, 0.998273, 0.993278, 0.975707, 0.929815, 0.864738, 0.822821, 0.801889,
              0.789944, 0.78168, 0.765523, 0.751143, 0.728114, 0.699272, 0.655433, 0.592903, 0.502551,
              0.385041, 0.247993, 0.122312, 0.0374379, 0.00495664, -0.000850248, -0.000394848, 9.91026e-05,
              0.000394949, 3.79913e-05, 0.000303461, -1.69782e-05)


@dataclass(frozen=True)
class RelaxationTable:
    """Tabulated single-particle dynamics at one state point.

    time : tau. msd_a, msd_b : sigma_AA^2. fs_a at k = k_a, fs_b at k = k_b (sigma_AA^-1).
    """

    temperature: float
    n_particles: int
    time: np.ndarray
    msd_a: np.ndarray
    msd_b: np.ndarray
    fs_a: np.ndarray
    fs_b: np.ndarray
    k_a: float
    k_b: float
    source: str
    where: str
    notes: str = field(default="")


RUMD_T045 = RelaxationTable(
    temperature=0.45, n_particles=10000, time=np.array(_T045_TIME), msd_a=np.array(_T045_MSD_A),
    msd_b=np.array(_T045_MSD_B), fs_a=np.array(_T045_FS_A), fs_b=np.array(_T045_FS_B), k_a=7.25, k_b=5.5,
    source=RUMD_REFERENCE_2022,
    where="science_tests/ReferenceData/kablj_prl_2022_msd.dat and kablj_prl_2022_Fs.dat",
    notes="Shifted LJ at 2.5 sigma_ab (as the gamdpy comparison run). The reference run's ensemble and "
          "thermostat are not stated in the files (gamdpy's comparison run is NVT). How RUMD averages F_s over wave-vector directions is not stated "
          "in the files (glassbook uses the exact isotropic average sin(kr)/(kr)).")


def derived_t045() -> dict[str, Reference]:
    """D_A, D_B and tau_alpha of A and B at T = 0.45, computed here from ``RUMD_T045``.

    D: :func:`glasshelpers.core.dynamics.relaxation.diffusion_coefficient` on the MSD with
    t >= 1e4 tau (MSD_A >= 2.8 sigma^2, far past the plateau at ~0.03), with an
    intercept. tau_alpha: :func:`glasshelpers.core.dynamics.relaxation.tau_alpha` (first crossing of
    1/e, interpolated in log t), k = 7.25 for A and 5.5 for B (as tabulated). These
    numbers are *not* printed in the source; the ``stderr`` of the fit is kept in
    ``error`` and reflects only the straightness of the tabulated curve.
    """
    from glasshelpers.core.dynamics.relaxation import diffusion_coefficient, tau_alpha
    tab = RUMD_T045
    out = {}
    for name, curve in (("D_A", tab.msd_a), ("D_B", tab.msd_b)):
        fit = diffusion_coefficient(tab.time, curve, t_min=1e4)
        out[name] = Reference(quantity=f"{name} (self-diffusion coefficient)", value=fit.D, error=fit.stderr,
                              unit="sigma_AA^2/tau", temperature=tab.temperature, n_particles=tab.n_particles,
                              source=tab.source, where=tab.where, kind="derived",
                              notes=f"MSD = 6 D t + c fitted over t = {fit.t_min:g} .. {fit.t_max:g} tau "
                                    f"({fit.n_points} tabulated points).")
    for name, curve, k in (("tau_alpha_A", tab.fs_a, tab.k_a), ("tau_alpha_B", tab.fs_b, tab.k_b)):
        out[name] = Reference(quantity=f"{name} (F_s(k={k:g}, t) = 1/e)", value=tau_alpha(tab.time, curve),
                              unit="tau", temperature=tab.temperature, n_particles=tab.n_particles,
                              source=tab.source, where=tab.where, kind="derived",
                              notes="Interpolated between the tabulated times, which double from point to point.")
    return out


def rumd_t045_at(t) -> dict[str, np.ndarray]:
    """The tabulated A-particle curves of ``RUMD_T045`` at times ``t`` (tau), for
    comparing a run shorter than tau_alpha(0.45) inside its own window: ``msd_A``
    (sigma_AA^2, interpolated linearly in log t - log MSD) and ``fs_A`` (F_s at k = 7.25,
    linearly in log t). The table's times double from point to point, so interpolation
    errors are far below the curves' differences between runs. ValueError outside the table.
    """
    tab = RUMD_T045
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if np.any(t < tab.time[0]) or np.any(t > tab.time[-1]):
        raise ValueError(f"times must lie within the table, {tab.time[0]:g} .. {tab.time[-1]:g} tau")
    lt, lg = np.log(t), np.log(tab.time)
    return {"msd_A": np.exp(np.interp(lt, lg, np.log(tab.msd_a))), "fs_A": np.interp(lt, lg, tab.fs_a)}


# --------------------------------------------------------------------- power laws
def power_law(T, amplitude: float, gamma: float, T_c: float = T_MCT.value) -> np.ndarray:
    """The mode-coupling form  amplitude * (T - T_c)^gamma  (NaN for T <= T_c).

    For D(T) use gamma > 0; for tau_alpha(T) write tau = amplitude * (T - T_c)^(-gamma')
    by passing ``gamma = -gamma'``. No published amplitude or exponent for the KA
    mixture was verified in this work (see the module docstring), so both are
    arguments; :func:`fit_power_law` fits them to one's own data with T_c fixed.

    Parameters
    ----------
    T : array_like
        Temperatures, epsilon_AA / k_B.
    amplitude : float
        Prefactor, in the units of the quantity (sigma_AA^2/tau for D, tau for tau_alpha).
    gamma : float
        Exponent.
    T_c : float
        Critical temperature (default 0.435, :data:`T_MCT`).
    """
    T = np.asarray(T, dtype=np.float64)
    x = T - float(T_c)
    with np.errstate(invalid="ignore"):
        return np.where(x > 0, amplitude * np.abs(x) ** gamma, np.nan)


def fit_power_law(T, values, T_c: float = T_MCT.value) -> tuple[float, float]:
    """Least-squares fit of log(values) = log(amplitude) + gamma log(T - T_c), T_c fixed.

    Parameters
    ----------
    T : array_like
        Temperatures above T_c (epsilon_AA / k_B).
    values : array_like
        Positive values (e.g. D_A in sigma_AA^2/tau, or tau_alpha in tau).
    T_c : float
        Critical temperature, default 0.435.

    Returns
    -------
    (amplitude, gamma)
        gamma > 0 for D, < 0 for a diverging time.
    """
    T = np.asarray(T, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if T.shape != v.shape or T.ndim != 1 or T.size < 2:
        raise ValueError("T and values must be 1-d arrays of one length >= 2")
    if np.any(T <= T_c) or np.any(v <= 0):
        raise ValueError(f"need T > T_c = {T_c} and positive values")
    slope, intercept = np.polyfit(np.log(T - T_c), np.log(v), 1)
    return float(np.exp(intercept)), float(slope)


#: What was looked for and not found (one line each), for the book's "Paper vs this
#: reproduction" notes.
NOT_FOUND = (
    ("Kob & Andersen (PRE 51, 4626 (1995)) table of D_A(T), and their power-law exponent gamma_A and amplitude "
     "(gamma_A = 2.0 is often quoted; not found in a source here, not included)"),
    "Kob & Andersen tau(T) exponent (PRL 73, 1376 (1994); part II of PRE 51, 4626, cond-mat/9505118)",
    "tau_alpha(T) tables of Berthier & Tarjus, Flenner & Szamel, Coslovich & Pastore",
    "equilibrium U/N(T) over the supercooled range (only T = 0.45, 0.8 and 1.028 found)",
    "primary confirmation of Kob & Andersen's time unit sigma sqrt(m / 48 epsilon) (secondary code comment only)",
)
