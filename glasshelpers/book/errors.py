"""The one error of the book build."""

from __future__ import annotations


class BookBuildError(RuntimeError):
    """The book cannot be built (missing inputs, failed notebooks, build warnings)."""
