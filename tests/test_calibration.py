"""The transfer calibration that stage 05 hands to stage 06 (b_best and sigma_T per
classifier, full precision): the profile's own file, a separate one for a run with
overrides, and a refusal when it was made for other classifiers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glasshelpers.core.learning.classify import HyperplaneClassifier
from glasshelpers.pipeline import paths
from glasshelpers.pipeline.profiles import load_profile
from glasshelpers.pipeline.provenance import StaleDataError
from glasshelpers.stages.common import load_calibration, save_calibration


def _clfs(shift=0.0):
    rng = np.random.default_rng(3)
    out = {}
    for T in (0.45, 1.0, 2.0):
        w = rng.normal(size=100)
        out[T] = HyperplaneClassifier(w_hat=w / np.linalg.norm(w), b=0.1 * T + shift, mean=np.zeros(100),
                                      scale=np.ones(100))
    return out


def _table(clfs, offset=0.0):
    return pd.DataFrame({"T": list(clfs), "b_best": [1 / 3 + T + offset for T in clfs],
                         "sigma_T": [np.pi * T for T in clfs], "similarity": 0.5})


def test_round_trip_at_full_precision_and_other_classifiers_refused(data_root):
    tiny, clfs = load_profile("tiny"), _clfs()
    with pytest.raises(FileNotFoundError, match="run 05_transfer_learning first"):
        load_calibration(tiny, clfs)
    save_calibration(tiny, clfs, _table(clfs).iloc[::-1])          # any row order
    got = load_calibration(tiny, clfs)
    assert got["T"].tolist() == [0.45, 1.0, 2.0]
    assert got["b_best"].tolist() == [1 / 3 + T for T in (0.45, 1.0, 2.0)]     # bit for bit
    assert got["sigma_T"].tolist() == [np.pi * T for T in (0.45, 1.0, 2.0)]
    with pytest.raises(StaleDataError):
        load_calibration(tiny, _clfs(shift=1e-9))


def test_a_run_with_overrides_never_replaces_the_profiles_own(data_root):
    tiny, clfs, other = load_profile("tiny"), _clfs(), _clfs(shift=0.5)
    save_calibration(tiny, clfs, _table(clfs))
    own = paths.calibration_file(tiny).read_bytes()
    changed = load_profile("tiny", {"labels.fluidity_q": 0.03})     # other classifiers: a file of its own
    save_calibration(changed, other, _table(other, 1.0))
    assert paths.calibration_file(tiny).read_bytes() == own
    assert load_calibration(changed, other)["b_best"].iloc[0] == pytest.approx(1 / 3 + 0.45 + 1.0)
    assert load_calibration(tiny, clfs)["b_best"].iloc[0] == pytest.approx(1 / 3 + 0.45)
    # an override that leaves the classifiers alone (stage 06's own settings) reads the profile's file
    same = load_profile("tiny", {"analysis.kramers_T_max_low": 0.65})
    assert load_calibration(same, clfs)["b_best"].iloc[0] == pytest.approx(1 / 3 + 0.45)
    with pytest.raises(StaleDataError, match="with the same overrides first"):
        load_calibration(load_profile("tiny", {"labels.fluidity_q": 0.02}), _clfs(shift=0.25))


def test_the_workflow_declares_the_file_stage_05_writes(data_root):
    """Also for a profile file that records overrides (as a dumped, overridden profile does):
    the Snakefile's declared output (paths.stage_arrays) is the file save_calibration writes."""
    clfs = _clfs()
    for prof in (load_profile("tiny"), load_profile("tiny", {"name": "tiny_hoomd", "engine": {"name": "hoomd"}})):
        (declared,) = paths.stage_arrays(prof, ("calibration",), [0], prof.temperatures)
        save_calibration(prof, clfs, _table(clfs))
        assert declared.is_file() and load_calibration(prof, clfs)["T"].tolist() == [0.45, 1.0, 2.0]
