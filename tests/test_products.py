"""Products between stages (glasshelpers.products): the index a stage writes for a family
of products, and on a finished tiny run the indexes the workflow declares."""

import numpy as np
import pytest

from conftest import requires_lammps
from glasshelpers.pipeline import integrity, paths, registry
from glasshelpers.pipeline.profiles import load_profile
from glasshelpers.pipeline.runs import MissingDataError
from glasshelpers.products import store


def test_an_index_lists_each_file_with_its_hash_and_refuses_a_missing_one(tmp_path):
    a, b = tmp_path / "fam" / "a.npz", tmp_path / "fam" / "b.npz"
    a.parent.mkdir()
    np.savez(a, x=np.arange(3))
    np.savez(b, x=np.arange(4))
    index = tmp_path / "fam" / "index.npz"
    store.write_index(index, {"b": (b, {"k": 2}), "a": (a, {"k": 1})})
    got = store.read_index(index)
    assert list(got) == ["a", "b"]
    assert got["a"] == (a, integrity.sha256(a)) and got["b"][1] == integrity.sha256(b)
    assert integrity.check(index).state == "ok"                         # recorded like every product
    with pytest.raises(MissingDataError, match="c.npz not made"):
        store.write_index(index, {"c": (tmp_path / "fam" / "c.npz", {})})


def test_the_indexes_are_declared_outputs_of_the_stages_that_make_their_products():
    P = load_profile("tiny")
    out = {s.stem: paths.stage_arrays(P, s.arrays, [0], P.temperatures) for s in registry.STAGES}
    assert paths.labels_index_file(P) in out["03_labels"]
    assert paths.models_index_file(P) in out["04_fluid_classification"]
    over = load_profile("tiny", {"analysis.bootstrap": 7})
    assert paths.labels_index_file(over).name.startswith("sets_") and paths.labels_index_file(over, own=True).name == "sets.npz"


@requires_lammps
@pytest.mark.slow
def test_a_tiny_run_indexes_every_set_and_classifier_it_made(tiny_data, monkeypatch):
    monkeypatch.setenv("GLASSBOOK_DATA", str(tiny_data.parent))
    P = load_profile("tiny")
    sets = store.read_index(paths.labels_index_file(P))
    assert set(sets) == {"softness", "test"} | {f"fluidity_T{T:.3f}" for T in P.labels.fluidity_temperatures}
    models = store.read_index(paths.models_index_file(P))
    assert set(models) == {"softness"} | {f"fluidity_T{T:.3f}" for T in P.labels.fluidity_temperatures}
    for path, sha in [*sets.values(), *models.values()]:
        assert path.is_file() and integrity.sha256(path) == sha
