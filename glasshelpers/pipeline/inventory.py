"""Every product of a profile folder, checked before the workflow and the book trust it.

:func:`scan` walks a profile folder (layout in :mod:`glasshelpers.pipeline.paths`) and checks each
product against its integrity record (:mod:`glasshelpers.pipeline.integrity`: size always, SHA-256
after a change of mtime or with ``full``). A product without a record is checked for its
structure (a trajectory has the frames its ``meta.json`` promises, an archive passes its
CRC checks, JSON parses) and then recorded: trust on first sight.

:func:`repair` acts on what the scan found, one line each, before Snakemake starts:

* a **damaged** product is moved aside (``<profile>/damaged/<UTC time>/``, with its
  record), together with what marks its job done, so that the workflow recomputes it:
  a trajectory or seed with the rest of its run folder (its ``meta.json`` says "done")
  and, for replica 0, the temperature's executed page; a cached archive (p_hop, feature
  bank, labelled set, classifier) with the executed notebook of the first stage that
  builds it (:func:`glasshelpers.pipeline.registry.cache_stage`); results, figures and executed
  notebooks are outputs of their rules, so Snakemake rebuilds them;
* a **missing** product that has a record is rebuilt the same way (results, figures and
  notebooks by Snakemake itself; one line counts them);
* a product that **cannot be recomputed here** (a trajectory whose MD engine is not
  installed) stops the run with DamagedProductError (exit status 5) saying what to do,
  before anything is moved.

:func:`book_problems` lists what the book needs (every executed notebook, every declared
result and figure) that is missing or damaged; the book build refuses to publish then.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.pipeline import integrity, registry
from glasshelpers.pipeline.faults import DamagedProductError
from glasshelpers.pipeline.profiles import temperature_tag

#: product kind -> glob patterns inside the profile folder
PATTERNS = {
    "seed": ("sim/*/seed/seed.gsd", "sim/*/seed/thermo.csv", "sim/*/seed/meta.json"),
    "run": ("sim/*/T*/traj.gsd", "sim/*/T*/thermo.csv", "sim/*/T*/meta.json"),
    "phop": ("phop/*/*.npz",), "features": ("features/*/*.npz",),
    "labels": ("labels/*.npz",), "models": ("models/*.npz",),
    "result": ("results/*.csv",), "figure": ("figures/*.png",), "notebook": ("notebooks/*.ipynb",),
}
RUN_FILES = {"seed": ("seed.gsd", "thermo.csv", "meta.json"), "run": ("traj.gsd", "thermo.csv", "meta.json")}
CACHES = ("phop", "features", "labels", "models")
DECLARED = ("result", "figure", "notebook")


@dataclass
class Finding:
    """One product that is not as recorded: ``state`` damaged or missing, ``why`` how."""

    path: Path
    kind: str
    state: str
    why: str
    record: dict | None = None


@dataclass
class Scan:
    """What :func:`scan` saw: ``findings`` (damaged, missing), ``checked`` products,
    ``hashed`` of them read whole, ``first_sight`` recorded now."""

    root: Path
    findings: list[Finding] = field(default_factory=list)
    checked: int = 0
    hashed: int = 0
    first_sight: int = 0


def _candidates(root: Path):
    """(path, kind) of every product and of every record whose product is gone."""
    seen = set()
    for kind, patterns in PATTERNS.items():
        for pattern in patterns:
            for p in sorted(root.glob(pattern)):
                if p.name.endswith(".part.ipynb") or integrity.is_record(p) or p in seen:
                    continue
                seen.add(p)
                yield p, kind
            folder, _, leaf = pattern.rpartition("/")
            for rec in sorted(root.glob(f"{folder}/.{leaf}{integrity.SUFFIX}")):
                p = rec.with_name(rec.name[1:-len(integrity.SUFFIX)])
                if p not in seen and not p.exists():
                    seen.add(p)
                    yield p, kind


def structure_problem(path: Path, kind: str) -> str | None:
    """Why an unrecorded product is unusable (None when it looks whole)."""
    try:
        if path.suffix == ".gsd":
            import gsd.hoomd
            with gsd.hoomd.open(os.fspath(path), "r") as fh:
                n = len(fh)
            meta = path.with_name("meta.json")
            want = json.loads(meta.read_text()).get("n_frames", 1) if kind == "run" and meta.exists() else 1
            if (kind == "run" and n != want) or n < 1:
                return f"it holds {n} of {want} frames"
        elif path.suffix == ".npz":
            from glasshelpers.pipeline.cache import check_archive
            check_archive(path)
        elif path.suffix in (".json", ".ipynb"):
            json.loads(path.read_text())
    except Exception as exc:    # noqa: BLE001 - any failure to open is the finding
        return f"it does not open ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})"
    return None


def scan(root: os.PathLike, full: bool = False, record_new: bool = True) -> Scan:
    """Check every product of the profile folder ``root``; see the module docstring."""
    out = Scan(Path(root))
    for path, kind in _candidates(out.root):
        c = integrity.check(path, full=full)
        out.checked += 1
        out.hashed += c.hashed
        if c.state in ("damaged", "missing"):
            out.findings.append(Finding(path, kind, c.state, c.why, c.record))
        elif c.state == "unrecorded":
            why = structure_problem(path, kind)
            if why:
                out.findings.append(Finding(path, kind, "damaged", why))
            elif record_new:
                try:
                    integrity.record(path)
                    out.first_sight += 1
                except OSError:
                    pass            # a full or read-only disk: checked again next time
    return out


# ------------------------------------------------------------------------------ repair
def rel(path: Path, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)


def shown(path: Path) -> str:
    """A path as the user can paste it: relative to the working directory when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _listing(names, n: int = 3) -> str:
    names = list(names)
    more = f", … and {len(names) - n} more" if len(names) > n else ""
    return ", ".join(names[:n]) + more


def _run_page(prof: Profile, root: Path, run_dir: Path) -> Path | None:
    """The executed page of a replica-0 run folder, when its temperature is the profile's."""
    if run_dir.parent.name != "r0":
        return None
    for T in prof.temperatures:
        if temperature_tag(T) == run_dir.name:
            return root / "notebooks" / f"{registry.per_temperature_stem()}_{run_dir.name}.ipynb"
    return None


def _job_marks(prof: Profile, root: Path, f: Finding) -> list[Path]:
    """Files besides the product whose absence makes the workflow recompute it."""
    if f.kind in RUN_FILES:
        marks = [f.path.with_name(n) for n in RUN_FILES[f.kind] if n != f.path.name]
        page = _run_page(prof, root, f.path.parent) if f.kind == "run" else None
        return marks + ([page] if page else [])
    if f.kind in CACHES:
        stem = registry.cache_stage(f.path.relative_to(root).parts[0])
        return [root / "notebooks" / f"{stem}.ipynb"] if stem else []
    return []


def _why_not_recomputable(prof: Profile, f: Finding) -> str | None:
    if f.kind not in RUN_FILES:
        return None
    from glasshelpers.core.md.engines import check_engine
    try:
        check_engine(prof.engine.name)
    except Exception as exc:    # noqa: BLE001 - EngineUnavailable and import errors alike
        return f"its MD engine {prof.engine.name!r} is not available here ({' '.join(str(exc).split())[:160]})"
    return None


def _missing_runs(prof: Profile, root: Path) -> list[Path]:
    """Replica-0 run folders whose page exists but whose run is gone (folder deleted)."""
    out = []
    for T in prof.temperatures:
        tag = temperature_tag(T)
        page = root / "notebooks" / f"{registry.per_temperature_stem()}_{tag}.ipynb"
        if page.exists() and not (root / "sim" / "r0" / tag / "meta.json").exists():
            out.append(page)
    return out


def _refuse(prof: Profile, root: Path, bad: list[Finding]) -> None:
    for f in bad:
        why = _why_not_recomputable(prof, f)
        if why:
            raise DamagedProductError(
                f"{rel(f.path, root)} is {f.state} ({f.why}) and cannot be recomputed here: {why}; "
                f"restore it (e.g. from a copy of {shown(f.path.parent)}) or install the engine, "
                "then run the same command again (nothing was moved)")


def repair(prof: Profile, found: Scan, log=print) -> list[Finding]:
    """Move damaged products aside and unmark their jobs (see the module docstring);
    return the findings whose product the workflow now recomputes."""
    root = found.root
    bad = [f for f in found.findings if f.state == "damaged" or f.kind in RUN_FILES]
    _refuse(prof, root, bad)
    absent = _absent_book_inputs(prof, root)        # what the user removed, before our own moves
    dest = integrity.quarantine_dir(root)
    redo = []
    for f in bad:
        if not (f.path.exists() or integrity.record_path(f.path).exists()):
            continue                    # already moved with an earlier finding's run folder
        marks = [m for m in _job_marks(prof, root, f) if m.exists()]
        integrity.quarantine(marks, root, dest)           # first unmark the job, then move
        integrity.quarantine([f.path], root, dest)
        what = "is damaged" if f.state == "damaged" else "is missing"
        log(f"glassbook: {rel(f.path, root)} {what} ({f.why}): moved aside to {shown(dest)}/; recomputing it")
        redo.append(f)
    gone = [f for f in found.findings if f.state == "missing" and f.kind not in RUN_FILES]
    _repair_missing(prof, root, gone, dest, log)
    if absent:
        log(f"glassbook: {len(absent)} product(s) the book needs are missing "
            f"({_listing(rel(p, root) for p in absent)}): the workflow rebuilds them")
    pages = _missing_runs(prof, root)
    if pages:
        integrity.quarantine(pages, root, dest)
        log(f"glassbook: {_listing(rel(p, root) for p in pages)}: the run behind the page is gone; recomputing it")
    return redo


def _absent_book_inputs(prof: Profile, root: Path) -> list[Path]:
    """Declared outputs that are not there, once the profile has run (a first run makes all)."""
    if not any((root / "notebooks").glob("*.ipynb")):
        return []
    return [p for p in book_inputs(prof, root) if not p.exists()]


def _repair_missing(prof: Profile, root: Path, gone: list[Finding], dest: Path, log) -> None:
    """Records whose product is gone: a cache's stage runs again; declared outputs are
    rebuilt by Snakemake; the record of a product no stage writes any more is dropped."""
    for f in gone:
        if f.kind in CACHES:
            marks = [m for m in _job_marks(prof, root, f) if m.exists()]
            integrity.quarantine(marks, root, dest)
            integrity.forget(f.path)
            log(f"glassbook: {rel(f.path, root)} is missing: recomputing it")
        elif f.kind in DECLARED and not _declared(prof, root, f.path):
            integrity.forget(f.path)    # a product no stage writes any more: forget its record


def _declared(prof: Profile, root: Path, path: Path) -> bool:
    return path in set(book_inputs(prof, root))


def confirm(redo: list[Finding], root: os.PathLike, log=print) -> None:
    """After the workflow: say whether each recomputed trajectory or archive has the bytes
    its record had before the damage."""
    root = Path(root)
    for f in redo:
        primary = f.kind in CACHES or f.path.name in ("traj.gsd", "seed.gsd")
        if not (primary and f.record and f.path.exists()):
            continue
        same = integrity.sha256(f.path) == f.record["sha256"]
        log(f"glassbook: recomputed {rel(f.path, root)}: "
            + ("the same bytes as recorded before the damage" if same else
               "its bytes differ from the record it had (an archive stores the code version that wrote it; "
               "a trajectory differs only if the engine is not bit-reproducible)"))


# -------------------------------------------------------------------------------- book
def book_inputs(prof: Profile, root: os.PathLike) -> list[Path]:
    """Every file the book reads: the executed notebooks and every declared result and
    figure of the profile (optional results only where the profile asks for them)."""
    root = Path(root)
    sim = registry.per_temperature_stem()
    out = []
    for T in sorted(prof.temperatures):
        tag = temperature_tag(T)
        out.append(root / "notebooks" / f"{sim}_{tag}.ipynb")
        out += [root / "results" / f"{k}.csv" for k in registry.stage_results(sim, prof, tag=tag)]
    for stem in registry.per_profile_stems():
        out.append(root / "notebooks" / f"{stem}.ipynb")
        out += [root / "results" / f"{k}.csv" for k in registry.stage_results(stem, prof)]
        out += [root / "figures" / f"{k}.png" for k in registry.stage_figures(stem)]
    return out


def book_problems(prof: Profile, root: os.PathLike, full: bool = False) -> tuple[list[str], list[str]]:
    """(missing, damaged) among :func:`book_inputs`, as paths inside ``root``; damaged
    entries say how (``results/fig3.csv (its SHA-256 differs from its record)``)."""
    root = Path(root)
    missing, damaged = [], []
    for p in book_inputs(prof, root):
        c = integrity.check(p, full=full)
        if c.state in ("missing", "absent"):
            missing.append(rel(p, root))
        elif c.state == "damaged":
            damaged.append(f"{rel(p, root)} ({c.why})")
    return missing, damaged
