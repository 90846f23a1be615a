"""The command line of the book: ``python -m glasshelpers.book {build,mathjax,stamp}``.

``build --profile NAME`` builds the HTML book (:func:`glasshelpers.book.htmlbuild.build`),
``mathjax`` only fetches MathJax into ``book/_static/mathjax``, ``stamp NB`` records the
code version in an executed notebook (the workflow calls it after each papermill run).
"""

from __future__ import annotations

import argparse

from glasshelpers.pipeline.paths import REPO_ROOT


def _parser() -> argparse.ArgumentParser:
    from glasshelpers.pipeline.cli import add_debug_flag

    parser = argparse.ArgumentParser(prog="python -m glasshelpers.book",
                                     description="Assemble the HTML book from executed notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the HTML book from the executed notebooks of a profile")
    b.add_argument("--profile", default="demo", help="tiny, demo, paper or a YAML path (default demo)")
    b.add_argument("--data-dir", default=None, help="profile data folder (default $GLASSBOOK_DATA or data/<profile>)")
    b.add_argument("--root", default=str(REPO_ROOT), help="book source root holding _config.yml")
    b.add_argument("--no-strict", action="store_true", help="do not turn warnings into errors")
    b.add_argument("--allow-partial", action="store_true",
                   help="build even when results or figures are missing (debugging; the comparison chapter "
                        "lists them as missing)")
    b.add_argument("--verify", action="store_true",
                   help="hash every product the book reads against its record (default: size always, hash "
                        "after a change of mtime)")
    mj = sub.add_parser("mathjax", help="fetch MathJax into book/_static/mathjax only")
    st = sub.add_parser("stamp", help="record the code version in an executed notebook's metadata")
    st.add_argument("notebook")
    for sp in (b, st, mj):
        add_debug_flag(sp)
    return parser


def main(argv=None) -> int:
    from glasshelpers.pipeline.cli import run
    from glasshelpers.book.assets import ensure_mathjax
    from glasshelpers.book.htmlbuild import build
    from glasshelpers.book.notebooks import stamp_code_version

    args = _parser().parse_args(argv)

    def body():
        if args.command == "stamp":
            stamp_code_version(args.notebook)
        elif args.command == "mathjax":
            print(ensure_mathjax(REPO_ROOT / "book" / "_static"))
        else:
            build(args.profile, root=args.root, data_dir=args.data_dir, strict=not args.no_strict,
                  allow_partial=args.allow_partial, verify=args.verify)

    return run(body, args.debug)
