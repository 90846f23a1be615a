"""The schema of a run profile (pydantic v2): one model per YAML section.

Every key a stage reads is declared here with its type, range and a one-line meaning;
unknown keys are errors (``extra="forbid"``), so a typo such as ``fluidty_q`` is
reported instead of silently ignored. Cross-field rules (temperatures that must be
simulated, a box large enough for the structure features, runs long enough for the
label rules) live in :class:`Profile`'s after-validator and run before any MD; the schema
reads no file (whether a named shelf exists and fits is checked by ``validate_profile``).

Adding a key is a one-line change: add a field to its section's model, e.g.::

    block_length: PosInt = Field(10, description="frames per bootstrap block")

and give it a default, so that profile files written before the key existed still
load. ``load_profile`` (``glasshelpers.pipeline.profiles``) returns the validated :class:`Profile`,
every default filled in; code reads it by attribute (``profile.labels.p_c``), and
``Profile.as_dict()`` gives the plain data that products record and hash.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from glasshelpers.core.dynamics.dynamics import HALF_WINDOW
from glasshelpers.core.structure.features import R_CUT
from glasshelpers.core.md.model import KASystem


def _no_bool(value):
    """YAML reads ``yes``/``true`` as booleans; never let them pass as the numbers 1/0."""
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    return value


Int = Annotated[int, BeforeValidator(_no_bool)]
Float = Annotated[float, BeforeValidator(_no_bool), Field(allow_inf_nan=False)]
PosInt = Annotated[Int, Field(ge=1)]
NonNegInt = Annotated[Int, Field(ge=0)]
PosFloat = Annotated[Float, Field(gt=0)]
Temperature = Annotated[Float, Field(gt=0, description="temperature in epsilon_AA / k_B")]
Fraction = Annotated[Float, Field(gt=0, lt=0.5)]


class Section(BaseModel):
    """Base of every section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


class ModelSection(Section):
    n_particles: Int = Field(ge=5, description="total number of particles N (80:20 split within 0.1 %)")
    density: PosFloat = Field(1.2, description="number density N/V in sigma^-3")


class EngineSection(Section):
    name: Literal["lammps", "hoomd"] = Field("lammps", description="MD engine")
    dt: PosFloat = Field(0.005, le=1, description="time step in tau")
    tau_thermostat: PosFloat = Field(0.5, description="Nose-Hoover relaxation time in tau")
    threads: PosInt = Field(1, description="CPU threads of the MD engine, part of the trajectory's parameters")
    seed_threads: Union[PosInt, None] = Field(None, description="CPU threads of the seed run, which runs alone at "
                                                                "the start (default: threads); part of its parameters")

    @field_validator("dt")
    @classmethod
    def _whole_steps(cls, dt):
        steps = 1.0 / dt
        if abs(steps - round(steps)) > 1e-9:
            raise ValueError(f"dt must divide 1 tau into whole steps (1/dt = {steps:.6g}); e.g. 0.005, 0.002, 0.001")
        return dt


class ProtocolSection(Section):
    seed_temperature: Temperature = Field(description="temperature of the seed run")
    seed_time: NonNegInt = Field(description="tau of MD at seed_temperature from a random start")
    equil_time: NonNegInt = Field(description="tau of equilibration at each temperature")
    equil_time_by_T: dict[Temperature, NonNegInt] = Field(
        default_factory=dict, description="equilibration tau for particular temperatures, {T: tau}")
    equil_tau_alpha: PosFloat = Field(3.0, description="structural relaxation times tau_alpha a run must spend at "
                                                       "its temperature before production to count as equilibrated")
    production_time: PosInt = Field(description="tau of production, one frame per tau")
    production_time_by_T: dict[Temperature, PosInt] = Field(
        default_factory=dict, description="production tau for particular temperatures, {T: tau}")
    checkpoint_every: PosInt = Field(description="tau between checkpoints")
    shelf: str | None = Field(None, description="start every run from the equilibrium states of this shelf (a shipped "
                                                "name such as ka2000, or a protocol.yaml path) instead of the seed run: "
                                                "replica k starts from the shelf's state k at the shelved temperature "
                                                "nearest to T (glasshelpers.pipeline.shelf)")
    shelf_state: NonNegInt = Field(0, description="shelf state of replica 0 (replica r starts from state "
                                                  "shelf_state + r): another realisation of a profile takes "
                                                  "other states, so that it shares no configuration")


class FeaturesSection(Section):
    bank_stride: PosInt = Field(description="frames between structure snapshots in the feature bank")
    allow_small_box: bool = Field(
        False, description="MD-only runs (tests): accept a half box below the 5.9 sigma feature reach")


class LabelsSection(Section):
    p_c: PosFloat = Field(0.2, lt=1, description="p_hop threshold of a rearrangement in sigma^2")
    p_l: Union[Literal["auto"], PosFloat] = Field("auto", description="quiet threshold in sigma^2, or 'auto'")
    p_l_grid_step: PosFloat = Field(0.0025, description="grid step of the automatic p_l in sigma^2")
    quiet_time: PosInt = Field(120, description="tau a non-rearranging particle stays below p_l")
    p_l_margin: Float = Field(1.0, ge=1, description="automatic p_l fills the softness sets this many times over")
    softness_temperature: Temperature = Field(description="training temperature of the softness classifier")
    test_temperature: Temperature = Field(description="temperature of the transfer test set")
    softness_per_class: PosInt = Field(description="softness training samples per class")
    test_per_class: PosInt = Field(description="transfer test samples per class")
    fluidity_temperatures: list[Temperature] = Field(min_length=1, description="training temperatures of the fluidity classifiers")
    fluidity_q: Fraction = Field(description="tail fraction q of p_hop labelled at each fluidity temperature, 0 < q < 0.5")
    fluidity_per_class: PosInt = Field(description="fluidity training samples per class")


class ClassifiersSection(Section):
    # Penalty convention (glasshelpers.core.learning.classify.C_for): a set of n samples per class is trained
    # with C = C_times_n / n, so that C x n, the weight of the hinge sum against |w|^2 / 2, is the
    # paper's whatever the set size. C, if given, is one fixed C for every set (the fixed-C convention).
    C_times_n: PosFloat = Field(52.0, description="C x samples per class of the fluidity, control and appendix "
                                                  "classifiers (C = C_times_n / n; paper 0.01 x 5200)")
    C_times_n_softness: PosFloat = Field(38.0, description="C x samples per class of the softness classifier "
                                                           "(paper 0.01 x 3800)")
    C: Union[PosFloat, None] = Field(None, description="a fixed SVM penalty C > 0 for every set, "
                                                       "replacing the C_times_n rule")
    cv_folds: Int = Field(5, ge=2, description="folds of the cross-validation")


class AnalysisSection(Section):
    # One field per key; add new analysis keys here with a default (one line each).
    bias_shifts: tuple[Float, Float, Int] = Field((-3.0, 3.0, 121), description="bias shifts [start, stop, count]")
    fig1_temperatures: list[Temperature] = Field(min_length=1, description="temperatures of Fig. 1")
    fig5_training: list[Temperature] = Field(min_length=1, description="training temperatures shown in Fig. 5")
    x_bins: tuple[Float, Float, PosFloat] = Field((-2.5, 2.5, 0.5), description="x_alpha bin edges [start, stop, step]")
    kramers_T_max_low: Temperature = Field(0.8, description="upper temperature of the low-T Kramers fits")
    fit_range_p_min: Fraction = Field(0.01, description="chi2 p-value a Kramers fit range must reach to be chosen")
    min_bin_count: PosInt = Field(description="fewest samples in a (T, x) cell used by the Kramers fits")
    bootstrap: PosInt = Field(description="bootstrap resamples per interval")
    van_hove_lag: PosInt = Field(10, description="lag of the van Hove function, tau")
    appendix_temperature: Temperature = Field(description="temperature of the appendix scans")
    appendix_fractions: list[Fraction] = Field(min_length=1, description="tail fractions q of the appendix")
    appendix_per_class: PosInt = Field(description="samples per class in the appendix")
    appendix_C: list[PosFloat] = Field(min_length=1, description="values of C scanned in the appendix")
    min_time_blocks: PosInt = Field(30, description="whole-system time blocks a temperature needs before its "
                                                    "Kramers intervals resample them (else particle x time blocks)")
    indicator_p_c: list[PosFloat] = Field([0.1, 0.2, 0.4], min_length=1, description="thresholds p_c of the "
                                          "stage-6 indicator test (onset recomputed for each, sigma_AA^2)")
    indicator_windows: list[PosInt] = Field([10, 20], min_length=1, description="p_hop windows (tau, even) of the "
                                            "stage-6 indicator test; 10 is the stage-2 window")
    glm_bootstrap: PosInt = Field(30, description="bootstrap resamples for the design effects of the stage-6 "
                                                  "likelihood fits (shared by every indicator and measure)")
    half_splits: PosInt = Field(40, ge=2, description="most random half splits of the half-sampling intervals of "
                                                      "refitted classifiers (Table I; fewer once the ends are stable)")
    chain_splits: int = Field(20, ge=0, description="half splits of the whole chain behind Fig. 4 (classifiers, "
                                                   "b_best, sigma_T, x_alpha, P_R, Kramers lines refitted on each "
                                                   "half); 0: not computed")
    interval_end_error: PosFloat = Field(0.01, description="Monte Carlo error of a 95 % interval end at which the "
                                                           "half-sampling stops adding splits")
    sigma_T_sizes: list[PosInt] = Field([], description="system sizes N at which the appendix re-measures the "
                                                        "fluidity sigma_T (each runs its own MD at "
                                                        "appendix_temperature); empty: not measured")

    @field_validator("bias_shifts")
    @classmethod
    def _shifts(cls, v):
        lo, hi, n = v
        if not lo < hi or n < 2:
            raise ValueError(f"need start < stop and count >= 2, got {list(v)}")
        return v

    @field_validator("indicator_windows")
    @classmethod
    def _windows(cls, v):
        odd = [w for w in v if w % 2]
        if odd:
            raise ValueError(f"p_hop windows must be even numbers of tau (t - w/2 ... t + w/2), got {odd}")
        return v

    @field_validator("x_bins")
    @classmethod
    def _bins(cls, v):
        lo, hi, step = v
        if not lo < hi:
            raise ValueError(f"bin edges must increase: start {lo} must be below stop {hi}")
        if (hi - lo) / step < 1 - 1e-9:
            raise ValueError(f"step {step} is wider than the range [{lo}, {hi}]: no bin")
        return v


class Profile(Section):
    """A whole profile. Sections without a default are required."""

    name: str = Field(description="folder of its data, data/<name>")
    description: str = Field("", description="one line for people")
    seed: NonNegInt = Field(description="base random seed")
    replicas: PosInt = Field(1, description="number of independent seed configurations")
    model: ModelSection
    engine: EngineSection
    protocol: ProtocolSection
    temperatures: list[Temperature] = Field(min_length=1, description="simulated temperatures")
    features: FeaturesSection
    labels: LabelsSection
    classifiers: ClassifiersSection
    analysis: AnalysisSection
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="record of the overrides applied by load_profile, dotted key -> value (not applied again)")
    confirm_cost: bool = Field(False, description="accept a run far above the profile file's own cost "
                                                  "(glasshelpers.pipeline.costs)")

    def as_dict(self) -> dict:
        """The profile as plain data (mappings and lists, no tuples): what products record,
        hash and write back to YAML."""
        return _lists(self.model_dump())

    @field_validator("name")
    @classmethod
    def _folder_name(cls, name):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.+-]*", name):
            raise ValueError("expected a folder name: a letter or digit, then letters, digits, _ . + -")
        return name

    @model_validator(mode="after")
    def _cross_checks(self):
        problems = cross_field_problems(self)
        if problems:
            raise ValueError(" | ".join(f"{key}: {msg}" for key, msg in problems))
        return self


def _lists(obj):
    """``obj`` with every tuple made a list, recursively (YAML and JSON hold lists)."""
    if isinstance(obj, (list, tuple)):
        return [_lists(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _lists(v) for k, v in obj.items()}
    return obj


def _in(T: float, temps) -> bool:
    return any(abs(float(T) - float(t)) < 1e-9 for t in temps)


def _fmt(temps) -> str:
    return "[" + ", ".join(f"{t:g}" for t in temps) + "]"


def cross_field_problems(p: Profile) -> list[tuple[str, str]]:
    """(dotted key, what is wrong) for every rule that involves more than one key."""
    out = []
    temps = p.temperatures
    def box_problem(n):
        """Why N = n at the profile's density cannot be simulated, or None."""
        try:
            L = KASystem(n, p.model.density).box_length
        except ValueError as exc:
            return str(exc)
        if L / 2 >= R_CUT or p.features.allow_small_box:
            return None
        n_min = math.ceil(p.model.density * (2 * R_CUT) ** 3)
        n_min += (-n_min) % 5
        return (f"N = {n} at density {p.model.density:g} gives a box of {L:.2f} sigma, whose half "
                f"({L / 2:.2f}) is below the {R_CUT} sigma reach of the structure features; expected "
                f"N >= {n_min} at this density")

    for key, sizes in (("model.n_particles", [p.model.n_particles]),
                       ("analysis.sigma_T_sizes", p.analysis.sigma_T_sizes)):
        out += [(key, msg) for msg in map(box_problem, sizes) if msg]
    tags = [f"{t:.3f}" for t in temps]
    dup = sorted({t for t in tags if tags.count(t) > 1})
    if dup:
        out.append(("temperatures", f"each temperature must appear once (to 3 decimals); repeated: {', '.join(dup)}"))
    single = {"labels.softness_temperature": p.labels.softness_temperature,
              "labels.test_temperature": p.labels.test_temperature,
              "analysis.appendix_temperature": p.analysis.appendix_temperature}
    for key, T in single.items():
        if not _in(T, temps):
            out.append((key, f"{T:g} is not simulated: expected one of temperatures {_fmt(temps)}"))
    lists = {"labels.fluidity_temperatures": p.labels.fluidity_temperatures,
             "analysis.fig1_temperatures": p.analysis.fig1_temperatures,
             "analysis.fig5_training": p.analysis.fig5_training,
             "protocol.equil_time_by_T": list(p.protocol.equil_time_by_T)}
    for key, values in lists.items():
        bad = [T for T in values if not _in(T, temps)]
        if bad:
            out.append((key, f"{_fmt(bad)} not simulated: every value must be one of temperatures {_fmt(temps)}"))
    if p.labels.p_l != "auto" and not p.labels.p_l < p.labels.p_c:
        out.append(("labels.p_l", f"quiet threshold {p.labels.p_l:g} must be below p_c = {p.labels.p_c:g}"))

    def prod(T):
        by = {round(float(k), 6): v for k, v in p.protocol.production_time_by_T.items()}
        return by.get(round(float(T), 6), p.protocol.production_time)

    need = p.labels.quiet_time + 2 * HALF_WINDOW - 1
    for key in ("softness_temperature", "test_temperature"):
        T = getattr(p.labels, key)
        if _in(T, temps) and prod(T) < need:
            out.append((f"labels.{key}", f"production at T = {T:g} is {prod(T)} tau, too short for a quiet "
                                         f"stretch of labels.quiet_time = {p.labels.quiet_time} tau inside the "
                                         f"p_hop window: expected production_time >= {need} tau at this T"))
    shortest = min(prod(T) for T in temps)
    if p.analysis.van_hove_lag > shortest:
        out.append(("analysis.van_hove_lag", f"{p.analysis.van_hove_lag} tau exceeds the shortest production "
                                             f"run ({shortest} tau)"))
    return out
