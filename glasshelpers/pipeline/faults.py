"""The faults a user meets, each reported in one line with its own exit status.

Every command-line entry point (``python -m glasshelpers.pipeline.workflow``, ``.book``,
``.simulate``, ``.jobs``) ends with one of these statuses (table also in the book's validation chapter):

===  ======================================================================================
 0   success
 1   any other failure: a stage raised, a build failed, a bug (the line names the stage,
     the cause and the full log; ``--debug`` shows the traceback)
 2   bad input: a profile, an override, a notebook parameter or an argument
 3   another workflow run of this profile holds its lock
 4   no space left on device: nothing was half-written; free space and run the same
     command again, nothing finished is lost
 5   a product is damaged or missing and cannot be recomputed here, or the book refuses
     to publish without it (the line says what to do)
 6   the profile's folder holds products made with other parameters (another profile of
     the same name, or an edited one): nothing was overwritten (the line says what to do)
130  interrupted (Ctrl-C)
===  ======================================================================================

The exceptions below carry their status (``exit_status``); the workflow's job runner
(:mod:`glasshelpers.pipeline.jobs`) turns one raised inside a stage notebook into one line for the
user and keeps the notebook's traceback in the job's log.

Imports nothing from the package but :mod:`glasshelpers.pipeline.paths`.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

from glasshelpers.pipeline.roots import data_root

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INPUT = 2
EXIT_BUSY = 3
EXIT_DISK_FULL = 4
EXIT_DAMAGED = 5
EXIT_MISMATCH = 6
EXIT_INTERRUPTED = 130

#: errno values that mean "the disk (or the quota) is full"
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)

#: what a full disk asks of the user, appended once to the one-line report
DISK_FULL_ADVICE = ("nothing was half-written: free space and run the same command again, "
                    "nothing finished is lost")


class Fault(RuntimeError):
    """A failure with a one-line message a person can act on, and its exit status."""

    exit_status = EXIT_FAILED


class DamagedProductError(Fault):
    """A product on disk does not match its integrity record (or does not open) and
    cannot be recomputed where it was found; the message says what to do."""

    exit_status = EXIT_DAMAGED


class MissingProductsError(Fault):
    """Products the caller needs are missing (e.g. the book's results before the workflow ran)."""

    exit_status = EXIT_DAMAGED


class DiskFullError(OSError):
    """No space left on device while writing a product. ``what`` names the product (its
    path inside the profile folder); the temporary file was removed, nothing is half-written."""

    exit_status = EXIT_DISK_FULL

    def __init__(self, what: str, code: int = errno.ENOSPC):
        super().__init__(code, os.strerror(code))
        self.what = what

    def __str__(self) -> str:
        return f"no space left on device while writing {self.what}"

    def __reduce__(self):             # picklable (multiprocessing, papermill)
        return (DiskFullError, (self.what, self.errno))


def is_disk_full(exc: BaseException) -> bool:
    """True for an OSError that means the disk or the quota is full."""
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


def describe(path: os.PathLike | str) -> str:
    """A product's path as the user knows it: inside its profile folder
    (``features/r0/T0.450.npz``) when it lies under the data root, else as given."""
    path = Path(path)
    try:
        rel = path.resolve().relative_to(data_root().resolve())
    except (ValueError, OSError):
        return str(path)
    return Path(*rel.parts[1:]).as_posix() if len(rel.parts) > 1 else rel.as_posix()


_TEMP = re.compile(r"^\.(?P<name>.+)\.[^.]+\.part$")


def product_name(path: os.PathLike | str) -> str:
    """The final name of a product from its temporary name (``.T0.450.npz.ab12.part`` ->
    ``T0.450.npz``): an atomic write fails on its temporary file, the user knows the product."""
    path = Path(path)
    m = _TEMP.match(path.name)
    return describe(path.with_name(m.group("name")) if m else path)


def disk_full_cause(text: str) -> str | None:
    """``no space left on device while writing <product>`` from an error message holding
    ``[Errno 28]`` / ``No space left on device`` (or the quota's), else None."""
    if not re.search(r"\[Errno (28|122)\]|No space left on device|Disk quota exceeded", text):
        return None
    m = re.search(r"while writing (\S+)", text)
    if m:
        return f"no space left on device while writing {m.group(1)}"
    m = re.search(r"(?:No space left on device|Disk quota exceeded)(?:\]|:)?\s*:?\s*'([^']+)'", text)
    if m:
        return f"no space left on device while writing {product_name(m.group(1))}"
    return "no space left on device"
