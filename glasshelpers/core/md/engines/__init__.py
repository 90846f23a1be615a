"""MD backends behind one interface (see base.Engine)."""

from __future__ import annotations

from glasshelpers.core.md.engines.base import Engine, EngineUnavailable, State

ENGINES = ("lammps", "hoomd")


def get_engine(name: str, dt: float = 0.005, threads: int = 1) -> Engine:
    """Instantiate a backend by name (``lammps`` or ``hoomd``).

    Raises
    ------
    EngineUnavailable
        When the backend's Python package cannot be imported here.
    """
    if name == "lammps":
        from glasshelpers.core.md.engines.lammps import LammpsEngine
        return LammpsEngine(dt=dt, threads=threads)
    if name == "hoomd":
        from glasshelpers.core.md.engines.hoomd import HoomdEngine
        return HoomdEngine(dt=dt, threads=threads)
    raise ValueError(f"unknown engine {name!r}; known: {ENGINES}")


def check_engine(name: str) -> None:
    """Raise EngineUnavailable (with an install hint) before any work if ``name`` cannot run."""
    if name == "lammps":
        from glasshelpers.core.md.engines.lammps import import_lammps
        import_lammps()
    elif name == "hoomd":
        from glasshelpers.core.md.engines.hoomd import import_hoomd
        import_hoomd()
    else:
        raise ValueError(f"unknown engine {name!r}; known: {ENGINES}")


__all__ = ["Engine", "EngineUnavailable", "State", "get_engine", "check_engine", "ENGINES"]
