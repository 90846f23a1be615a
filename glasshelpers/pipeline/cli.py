"""Shared error handling of the command-line entry points.

Every CLI (``python -m glasshelpers.products.trajectories``, ``.book``, ``.workflow``) runs its work
through :func:`run`: an error a person can fix prints one line on stderr (``error: ...``)
and sets the exit status; ``--debug`` (added by :func:`add_debug_flag`) shows the full
traceback instead.

Exit status (the table is :mod:`glasshelpers.pipeline.faults` and the book's validation chapter): 0 success; 1 any
other failure (stale or missing data, a failed build, a bug); 2 bad input (profile,
override, notebook parameter or argument: fix the command or the YAML); 3 another run of
the profile holds its lock; 4 no space left on device (nothing half-written: free space
and rerun); 5 a damaged or missing product that cannot be recomputed here; 130
interrupted. An exception class sets its own status with ``exit_status``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

#: exceptions that mean "the input is wrong" (exit status 2, like argparse's usage errors)
INPUT_ERRORS: tuple[type[BaseException], ...] = ()


def _input_errors() -> tuple[type[BaseException], ...]:
    from glasshelpers.pipeline.profiles import ProfileError
    return (ProfileError, *INPUT_ERRORS)


def add_debug_flag(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``--debug`` (show the traceback of an error) to a parser."""
    parser.add_argument("--debug", action="store_true", help="on error, show the full Python traceback")
    return parser


def one_line(exc: BaseException) -> str:
    """``error: <message>`` on one line. Input errors (ProfileError), our own faults (a
    class with ``exit_status``) and a full disk are their message; other errors keep their
    own text and are named by their exception type."""
    from glasshelpers.pipeline.faults import DISK_FULL_ADVICE, DiskFullError, is_disk_full, product_name
    from glasshelpers.pipeline.profiles import ProfileError
    text = str(exc).strip()
    if is_disk_full(exc):
        what = exc if isinstance(exc, DiskFullError) else DiskFullError(product_name(exc.filename or "a file"))
        return f"error: {what}; {DISK_FULL_ADVICE}"
    if isinstance(exc, ProfileError) or hasattr(type(exc), "exit_status"):
        return "error: " + " ".join(text.split())
    return f"error: {type(exc).__name__}: {text}" if text else f"error: {type(exc).__name__}"


def exit_code(exc: BaseException) -> int:
    """2 for bad input, 4 for a full disk, an exception's own ``exit_status`` attribute if
    it has one, else 1."""
    from glasshelpers.pipeline.faults import EXIT_DISK_FULL, is_disk_full
    if isinstance(exc, _input_errors()):
        return 2
    if is_disk_full(exc):
        return EXIT_DISK_FULL
    return int(getattr(exc, "exit_status", 1))


def run(body: Callable[[], int | None], debug: bool = False, stream=None) -> int:
    """Call ``body()`` and return its exit status (None counts as 0).

    On an exception: with ``debug`` re-raise it (full traceback); otherwise print
    :func:`one_line` to ``stream`` (stderr) and return :func:`exit_code`. KeyboardInterrupt
    gives status 130 and one line.
    """
    stream = sys.stderr if stream is None else stream
    try:
        return int(body() or 0)
    except KeyboardInterrupt:
        if debug:
            raise
        print("error: interrupted", file=stream)
        return 130
    except Exception as exc:  # noqa: BLE001 - the whole point: one line instead of a traceback
        if debug:
            raise
        if hasattr(type(exc), "exit_status") and not str(exc).strip():
            return exit_code(exc)       # its lines were printed as they happened
        hint = " (run again with --debug for the traceback)" if exit_code(exc) == 1 else ""
        print(one_line(exc) + hint, file=stream)
        return exit_code(exc)
