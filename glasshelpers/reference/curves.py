"""Published relaxation curves of the A particles at T = 0.45, 0.8 and 2.0 (density 1.2).

The tables our equilibrium states are compared against (the book, "Equilibrium states on
the shelf"): MSD_A(t) and F_s^A(k, t) from RUMD reference data, copied verbatim from the
files named in each :class:`RelaxationCurve`, and the numbers derived from them here
(never printed in a source): D_A from the long-time slope of the MSD, tau_alpha from the
1/e crossing of F_s. Units: tau, sigma_AA^2; k in sigma_AA^-1.

Sources: T = 0.45, ``glasshelpers.reference.published.RUMD_T045`` (N = 10000);
T = 0.8 and 2.0, data files of the gamdpy examples (RUMD 3 runs, NVT, shifted LJ at
2.5 sigma_ab, the glassbook model), github.com/jklust/gamdpy at commit 3a8c96e8.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glasshelpers.reference.published import RUMD_T045, Reference

GAMDPY_EXAMPLE_DATA = ("RUMD 3 data files shipped with the gamdpy examples (github.com/jklust/gamdpy, commit "
                       "3a8c96e8, folder examples/Data/): Kob-Andersen mixture, rho = 1.2, NVT, shifted LJ at "
                       "2.5 sigma_ab")

# examples/Data/KABLJ_msd_R1.200_T0.800_rumd3.dat: time, MSD of A (N not stated).
_T080_TIME = (0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384, 32.768, 65.536, 131.072, 262.144, 524.288, 1048.58, 2097.15, 4194.3, 8388.61, 16777.2)
_T080_MSD_A = (3.84216e-05, 0.000153299, 0.000607392, 0.00234096, 0.00814632, 0.0209589, 0.0363012, 0.0541959, 0.0777052, 0.114951, 0.18337, 0.317338, 0.58335, 1.11339, 2.16659, 4.27946, 8.48485, 16.913, 33.7808, 67.6502, 135.748, 272.626, 547.666)
# examples/Data/NVT_N4000_T2.0_rho1.2_KABLJ_rumd3/msd_000k_000k.dat and Fs_000k_000k.dat:
# time, A column; two blocks of one run (F_s at k = 7.26).
_T200_TIME = (0.000665413, 0.00133083, 0.00266165, 0.0053233, 0.0106466, 0.0212932, 0.0425864, 0.0851729, 0.170346, 0.340691, 0.681383, 1.36277, 2.72553, 5.45106, 10.9021, 21.8043, 43.6085, 87.217, 174.434, 348.868, 697.736, 1395.47, 2790.94)
_T200_MSD_A_0 = (2.66642e-06, 1.06466e-05, 4.24902e-05, 0.000169413, 0.000671076, 0.0026091, 0.00950413, 0.0281999, 0.0603047, 0.115578, 0.21218, 0.403197, 0.774102, 1.49971, 2.98586, 6.23684, 12.3815, 24.6403, 47.9954, 100.134, 200.934, 399.144, 792.567)
_T200_FS_A_0 = (0.999977, 0.999906, 0.999627, 0.998513, 0.994122, 0.977339, 0.919877, 0.781113, 0.594899, 0.377874, 0.184903, 0.0454211, 0.00514429, 0.000245164, -0.000117111, 0.00797282, 0.00638275, 0.00589132, -0.00374649, 0.00208184, -0.002444, -0.00104058, -0.000601199)
_T200_MSD_A_1 = (2.69813e-06, 1.07797e-05, 4.30732e-05, 0.000172034, 0.000683112, 0.00265475, 0.00957656, 0.0284632, 0.0603769, 0.115034, 0.217812, 0.423615, 0.815731, 1.60702, 3.05471, 5.93679, 12.5731, 24.4384, 48.339, 94.5759, 193.951, 391.37, 796.138)
_T200_FS_A_1 = (0.999976, 0.999905, 0.999622, 0.99849, 0.994017, 0.976954, 0.919341, 0.779006, 0.591373, 0.379955, 0.17751, 0.0562688, 0.00191719, 0.0024562, 0.00542264, 0.000586465, -0.00650805, 0.00199187, 0.00411846, -0.00559306, -0.000491118, 0.0051007, -0.00633598)


@dataclass(frozen=True)
class RelaxationCurve:
    """Tabulated MSD_A(t) and F_s^A(k, t) at one temperature (``fs_A`` None where not published).

    time : tau. msd_A : sigma_AA^2. fs_A : dimensionless, at wavenumber k (sigma_AA^-1).
    """

    temperature: float
    n_particles: int | None
    time: np.ndarray
    msd_A: np.ndarray
    fs_A: np.ndarray | None
    k: float | None
    where: str
    source: str

    def at(self, t) -> dict:
        """The curves at times ``t`` (tau) inside the table: MSD interpolated linearly in
        log t - log MSD, F_s linearly in log t. ValueError outside the table."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        if np.any(t < self.time[0]) or np.any(t > self.time[-1]):
            raise ValueError(f"times must lie within the table, {self.time[0]:g} .. {self.time[-1]:g} tau")
        lt, lg = np.log(t), np.log(self.time)
        out = {"msd_A": np.exp(np.interp(lt, lg, np.log(self.msd_A)))}
        if self.fs_A is not None:
            out["fs_A"] = np.interp(lt, lg, self.fs_A)
        return out


def _mean_of_blocks(a, b) -> np.ndarray:
    return (np.array(a) + np.array(b)) / 2

#: The published curves by temperature.
CURVES = {
    0.45: RelaxationCurve(0.45, RUMD_T045.n_particles, RUMD_T045.time, RUMD_T045.msd_a, RUMD_T045.fs_a,
                          RUMD_T045.k_a, RUMD_T045.where, RUMD_T045.source),
    0.8: RelaxationCurve(0.8, None, np.array(_T080_TIME), np.array(_T080_MSD_A), None, None,
                         "examples/Data/KABLJ_msd_R1.200_T0.800_rumd3.dat", GAMDPY_EXAMPLE_DATA),
    2.0: RelaxationCurve(2.0, 4000, np.array(_T200_TIME), _mean_of_blocks(_T200_MSD_A_0, _T200_MSD_A_1),
                         _mean_of_blocks(_T200_FS_A_0, _T200_FS_A_1), 7.26,
                         "examples/Data/NVT_N4000_T2.0_rho1.2_KABLJ_rumd3/{msd,Fs}_000k_000k.dat (mean of the "
                         "two blocks)", GAMDPY_EXAMPLE_DATA),
}

#: U/N at T = 2.0 (column pe of energies_mean.dat, N = 4000), epsilon_AA.
POTENTIAL_ENERGY_T2 = Reference(
    quantity="U/N (potential energy per particle)", value=-4.653947433, unit="epsilon_AA", temperature=2.0,
    n_particles=4000, source=GAMDPY_EXAMPLE_DATA,
    where="examples/Data/NVT_N4000_T2.0_rho1.2_KABLJ_rumd3/energies_mean.dat, column pe", kind="published data",
    notes="Same row: pressure 19.318, kinetic T 1.99988.")

#: Start of the Fickian fit of the MSD (tau) per temperature: where the published MSD_A
#: exceeds a few sigma_AA^2, far past the plateau.
FICKIAN_FROM = {0.45: 1e4, 0.8: 100.0, 2.0: 10.0}


def derived(T: float) -> dict[str, Reference]:
    """D_A (and tau_alpha where F_s is tabulated) at T, computed here from :data:`CURVES`."""
    from glasshelpers.core.dynamics.relaxation import diffusion_coefficient, tau_alpha

    c = CURVES[T]
    fit = diffusion_coefficient(c.time, c.msd_A, t_min=FICKIAN_FROM[T])
    out = {"D_A": Reference(quantity="D_A (self-diffusion coefficient)", value=fit.D, error=fit.stderr,
                            unit="sigma_AA^2/tau", temperature=T, n_particles=c.n_particles, source=c.source,
                            where=c.where, kind="derived",
                            notes=f"MSD = 6 D t + c over t = {fit.t_min:g} .. {fit.t_max:g} tau "
                                  f"({fit.n_points} tabulated points)")}
    if c.fs_A is not None:
        out["tau_alpha_A"] = Reference(quantity=f"tau_alpha of A (F_s(k={c.k:g}, t) = 1/e)",
                                       value=tau_alpha(c.time, c.fs_A), unit="tau", temperature=T,
                                       n_particles=c.n_particles, source=c.source, where=c.where, kind="derived",
                                       notes="interpolated in log t between tabulated times")
    return out
