"""Arrays on disk with their parameters: round trip, staleness, atomicity, integrity
(deterministic bytes, records, a damaged archive refused or moved aside and recomputed)."""

import numpy as np
import pytest

from glasshelpers.pipeline import cache, integrity
from glasshelpers.pipeline.cache import cached, load_arrays, read_meta, save_arrays
from glasshelpers.pipeline.faults import DamagedProductError
from glasshelpers.pipeline.provenance import StaleDataError, params_hash

PARAMS = {"profile": "tiny", "T": 0.45, "delta": 0.2, "grid": [0.0, 4.9, 50]}


def test_round_trip_and_meta(tmp_path):
    path = tmp_path / "tiny" / "T0.450" / "features.npz"
    arrays = {"features": np.arange(12.0).reshape(3, 4), "particle": np.array([3, 1, 2], dtype=np.int32),
              "names": np.array(["a", "b"])}
    save_arrays(path, arrays, PARAMS)
    got = load_arrays(path, dict(PARAMS))
    assert set(got) == {"features", "particle", "names"}
    np.testing.assert_array_equal(got["features"], arrays["features"])
    assert got["particle"].dtype == np.int32
    assert got["names"].tolist() == ["a", "b"]
    meta = read_meta(path)
    assert meta["params_hash"] == params_hash(PARAMS)
    assert meta["params"]["T"] == 0.45
    assert meta["code_version"]
    assert meta["arrays"] == ["features", "names", "particle"]
    # no temp files left; the archive and its integrity record
    assert sorted(p.name for p in path.parent.iterdir()) == [".features.npz.integrity.json", "features.npz"]
    rec = integrity.read_record(path)
    assert rec["size"] == path.stat().st_size and rec["sha256"] == integrity.sha256(path)


def test_stale_and_missing(tmp_path):
    path = tmp_path / "x.npz"
    with pytest.raises(FileNotFoundError):
        load_arrays(path, PARAMS)
    assert load_arrays(path, PARAMS, missing_ok=True) is None
    save_arrays(path, {"a": np.ones(3)}, PARAMS)
    other = dict(PARAMS, T=0.47)
    with pytest.raises(StaleDataError, match=r"T: stored 0\.45, requested 0\.47"):
        load_arrays(path, other)


def test_code_version_alone_does_not_invalidate(tmp_path, monkeypatch):
    path = tmp_path / "x.npz"
    save_arrays(path, {"a": np.ones(3)}, PARAMS)
    monkeypatch.setattr(cache, "code_version", lambda: "9.9.9+gdeadbee")
    np.testing.assert_array_equal(load_arrays(path, PARAMS)["a"], np.ones(3))
    save_arrays(path, {"a": np.ones(3)}, PARAMS)
    assert read_meta(path)["code_version"] == "9.9.9+gdeadbee"


def test_cached_recomputes_only_on_param_change(tmp_path):
    path = tmp_path / "c.npz"
    calls = []

    def compute(value):
        def fn():
            calls.append(value)
            return {"v": np.full(4, value)}
        return fn

    a = cached(path, PARAMS, compute(1.0))
    b = cached(path, PARAMS, compute(2.0))             # loaded, not recomputed
    assert calls == [1.0]
    np.testing.assert_array_equal(a["v"], b["v"])
    c = cached(path, dict(PARAMS, T=0.5), compute(3.0))
    assert calls == [1.0, 3.0] and c["v"][0] == 3.0
    assert read_meta(path)["params"]["T"] == 0.5
    with pytest.raises(StaleDataError):
        cached(path, PARAMS, compute(4.0), on_stale="raise")
    assert calls == [1.0, 3.0]


def test_failures_leave_nothing_behind(tmp_path):
    path = tmp_path / "f.npz"

    def boom():
        raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError):
        cached(path, PARAMS, boom)
    assert not path.exists()
    with pytest.raises(ValueError, match="object"):
        save_arrays(path, {"bad": np.array([{}, 1], dtype=object)}, PARAMS)
    with pytest.raises(ValueError, match="reserved"):
        save_arrays(path, {"__meta__": np.ones(1)}, PARAMS)
    assert list(tmp_path.iterdir()) == []


def test_same_arrays_same_bytes(tmp_path):
    """Deterministic archives: a product recomputed from the same inputs has the same bytes."""
    arrays = {"features": np.arange(24, dtype=np.float32).reshape(2, 3, 4), "names": np.array(["a", "b"])}
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    save_arrays(a, arrays, PARAMS)
    import time
    time.sleep(1.1)                        # a zip stamped with the time of writing would differ now
    save_arrays(b, arrays, PARAMS)
    assert a.read_bytes() == b.read_bytes()
    with np.load(a) as z:                  # still numpy's format
        np.testing.assert_array_equal(z["features"], arrays["features"])


def _flip_byte(path, offset):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def test_damaged_archive_is_refused_then_moved_aside_and_recomputed(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GLASSBOOK_DATA", str(tmp_path))
    path = tmp_path / "tiny" / "features" / "r0" / "T0.450.npz"
    calls = []

    def compute():
        calls.append(1)
        return {"features": np.arange(4000.0)}

    cached(path, PARAMS, compute)
    good = path.read_bytes()
    _flip_byte(path, len(good) // 2)       # inside the array's data: size unchanged, CRC and hash not
    with pytest.raises(DamagedProductError, match=r"features/r0/T0\.450\.npz is damaged \(its SHA-256 differs"):
        load_arrays(path, PARAMS)
    got = cached(path, PARAMS, compute)
    assert calls == [1, 1] and path.read_bytes() == good and got["features"][-1] == 3999.0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("glassbook: features/r0/T0.450.npz is damaged")
    assert "moved aside to damaged/" in err[0] and err[0].endswith("recomputing it")
    (aside,) = (tmp_path / "tiny" / "damaged").rglob("T0.450.npz")
    assert aside.relative_to(tmp_path / "tiny" / "damaged").parts[1:] == ("features", "r0", "T0.450.npz")
    assert aside.read_bytes() != good and len(aside.read_bytes()) == len(good)   # kept, not deleted


def test_unrecorded_archive_failing_its_crc_is_damaged(tmp_path):
    path = tmp_path / "u.npz"
    save_arrays(path, {"a": np.arange(1000.0)}, PARAMS)
    integrity.forget(path)
    _flip_byte(path, path.stat().st_size // 2)
    with pytest.raises(DamagedProductError, match="damaged"):
        load_arrays(path, PARAMS)
    with pytest.raises(DamagedProductError, match="CRC"):
        cache.check_archive(path)
