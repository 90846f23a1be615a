"""The course lab chapter: a session plan and exercises with worked solutions.

The exercises are declared here (``EXERCISES``): objective, minutes, the stage
notebook a student re-runs on the ``lab`` profile, what to look for, and the function of
:mod:`.labsolutions` that writes the worked solution from that run's results. The book
build writes ``book/generated/lab_body.md`` from the results of a ``lab`` run
(:func:`lab_results_dir`: this build's own when it is the lab profile, else
``data/lab/`` when that run exists, else this build's with a note saying so), so the
solutions' numbers are those of a real run and never go stale; the session plan is
added up from the exercises' minutes and the run times papermill recorded.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.book import labsolutions as sol
from glasshelpers.book.headline import read_results
from glasshelpers.book.pages import _duration

#: The profile the lab is written for.
LAB_PROFILE = "lab"
#: Minutes for setting up and starting ``make workflow PROFILE=lab``, and for the closing discussion.
SETUP_MINUTES, BREAK_MINUTES, WRAPUP_MINUTES = 20, 10, 15


@dataclass(frozen=True)
class Exercise:
    """One lab exercise. ``thought``: it asks for a prediction or an argument, not a
    parameter change. ``solution(tables, profile)`` returns the worked solution's
    Markdown lines from the run's results tables."""

    key: str
    title: str
    stage: str
    minutes: int
    objective: str
    task: str
    look_for: str
    solution: Callable[[dict, dict], list[str]]
    thought: bool = False

    def command(self, profile: str = LAB_PROFILE) -> str:
        return f"papermill notebooks/{self.stage}.ipynb out/{self.key}.ipynb -p profile {profile}"


EXERCISES = (
    Exercise(
        "hops", "Hops or vibrations?", "03_labels", 25,
        "Read a distribution of $p_\\mathrm{hop}$ and decide, from the data, up to which temperature a fixed "
        "threshold $p_c$ still picks out rare hops rather than ordinary vibrations.",
        "Before running, guess from the definition of $p_\\mathrm{hop}$ how its distribution should move "
        "on heating. Then run the labels stage and find the temperature above which the threshold "
        "$p_c$ no longer separates a minority of hops from the vibrating majority.",
        "The $p_\\mathrm{hop}$ table (median, 99th percentile, fraction above $p_c$) and the distribution "
        "figure with $p_l$ and $p_c$ marked; compare the median with $p_c$ temperature by temperature.",
        sol.hops, thought=True),
    Exercise(
        "fluid", "Does hot-liquid structure predict extreme motion?", "04_fluid_classification", 20,
        "Train a linear SVM and judge its cross-validated accuracy against chance with an interval, not a "
        "single number.",
        "Run the fluid classification stage and say, for each training temperature, whether the structure "
        "of a particle predicts which tail of $p_\\mathrm{hop}$ it falls in.",
        "Figure 1 and the peak table: the best accuracy, its 68 % interval and the bias shift at the peak; "
        "where does the softness classifier (trained in the supercooled liquid) peak on the same hot sets, and why?",
        sol.fluid_cv),
    Exercise(
        "transfer", "Which training temperature transfers worst?", "05_transfer_learning", 25,
        "Make a physical prediction from the van Hove function and test it against transfer accuracies "
        "with their intervals.",
        "Before running stage 5, look at the van Hove panel of Figure 2 (self part at the lag of the "
        "profile): at which training temperature does the motion look least like the hops of the "
        "supercooled liquid? Predict which fluid-trained classifier transfers worst to the cold test set, "
        "write the prediction down, then run the stage and check.",
        "Table I and Figure 2: each classifier's best accuracy on the test set with its interval; do the "
        "intervals of the fluid-trained classifiers overlap?",
        sol.transfer_worst, thought=True),
    Exercise(
        "appendix", "How extreme is extreme, and how much regularisation?", "07_appendix", 20,
        "Separate a real dependence on a parameter from statistical noise by comparing a scan's spread "
        "with its error bars.",
        "Run the appendix stage and read Figure 6: the accuracy at the appendix temperature over a grid of "
        "SVM penalties C and tail fractions q. Is the dependence weak, as the paper says?",
        "The C x q accuracy grid and its intervals: compare the spread over the grid with an interval's width.",
        sol.appendix_scan),
    Exercise(
        "control", "Why two tails?", "07_appendix", 15,
        "Argue what a control experiment tests, then read its paired comparison.",
        "In the same run, Figure 8 compares the two-tail fluidity classifier with one trained on immobile "
        "against random particles, and with one trained on displacement instead of $p_\\mathrm{hop}$. "
        "Explain before reading the numbers what each control removes, then read the paired differences.",
        "The control summary table: each classifier's transfer accuracy and its paired difference from the "
        "two-tail classifier with the interval.",
        sol.control, thought=True),
    Exercise(
        "barriers", "Energy barriers and where they meet", "06_kramers", 25,
        "Fit the Kramers form, read a barrier's trend with an interval, and see how far a small run can "
        "locate an onset temperature.",
        "Run the barrier stage. Does the barrier $\\Delta E$ fall as the classifier output $x_\\alpha$ "
        "grows (more fluid-like particles cross lower barriers)? Where do the lines of each classifier meet?",
        "Figures 3, 4 and 9, the slope table and the onset table; the fit range the data chose.",
        sol.barriers),
)


def lab_results_dir(build_profile: Profile, build_dir: Path) -> tuple[Path, str]:
    """(profile folder, profile name) whose results the lab chapter shows: this build's
    when it is the lab profile, else the ``lab`` run's folder when it holds results,
    else this build's own."""
    from glasshelpers.pipeline import paths
    from glasshelpers.pipeline.profiles import load_profile

    if build_profile.name == LAB_PROFILE:
        return Path(build_dir), LAB_PROFILE
    lab_dir = paths.profile_root(load_profile(LAB_PROFILE))
    if (lab_dir / "results" / "labels_summary.csv").is_file():
        return lab_dir, LAB_PROFILE
    return Path(build_dir), build_profile.name


def stage_durations(nb_dir: Path) -> dict:
    """Seconds papermill recorded for each executed stage notebook in ``nb_dir`` (stem -> s)."""
    out = {}
    for path in sorted(Path(nb_dir).glob("*.ipynb")):
        try:
            pm = json.loads(path.read_text()).get("metadata", {}).get("papermill", {}) or {}
        except (OSError, ValueError):
            continue
        if pm.get("duration") is not None:
            out[path.stem] = float(pm["duration"])
    return out


def _source_lines(name: str, tables: dict, durations: dict) -> list[str]:
    version = next((str(df["code_version"].iloc[0]) for df in tables.values()
                    if df is not None and "code_version" in df and len(df)), None)
    text = (f"The worked solutions on this page were written when the book was built, from the results of a "
            f"run of the **`{name}`** profile" + (f" (code version `{version}`)" if version else "") + ". ")
    if name != LAB_PROFILE:
        text += (f"No `{LAB_PROFILE}` run was found, so they show this build's `{name}` numbers; build the book "
                 f"with `make book PROFILE={LAB_PROFILE}` to see the lab's own. ")
    if durations:
        text += (f"Its notebooks took {_duration(sum(durations.values()))} of papermill time in all "
                 "(the workflow runs two at a time, so its wall time is shorter).")
    return [text, ""]


def plan_lines(durations: dict) -> list[str]:
    """The session plan: a table of time slots from the exercises' minutes."""
    rows, t = [], 0

    def slot(minutes, what):
        nonlocal t
        rows.append(f"| {t}-{t + minutes} min | {what} |")
        t += minutes

    slot(SETUP_MINUTES, "set-up: `make venv`, then start `make workflow PROFILE=lab` and read chapters 1-3 "
                        "while it runs")
    for k, ex in enumerate(EXERCISES):
        if k == len(EXERCISES) // 2:
            slot(BREAK_MINUTES, "break")
        slot(ex.minutes, f"exercise {k + 1}: {{ref}}`{ex.title} <lab-{ex.key}>`" + (" (think first)" if ex.thought else ""))
    slot(WRAPUP_MINUTES, "wrap-up: each group states one result with its interval, and what a larger run "
                         "would change")
    return ["| time | activity |", "|---|---|", *rows, "",
            f"In all {t} min ({t / 60:.1f} h). The exercises marked *think first* ask for a prediction or an "
            "argument before any command is run.", ""]


def _exercise_lines(k: int, ex: Exercise, tables: dict, profile: Profile, name: str, durations: dict) -> list[str]:
    run = durations.get(ex.stage)
    cost = (f"; the stage took {_duration(run)} in the `{name}` run that gave the numbers below (a re-run reuses "
            "its cached labels and classifiers)") if run else ""
    lines = [f"(lab-{ex.key})=", f"### Exercise {k + 1}: {ex.title}" + (" (think first)" if ex.thought else ""),
             "", f"**Objective.** {ex.objective}", "", f"**Time.** about {ex.minutes} min{cost}.", "",
             f"**Task.** {ex.task}", "", "```bash", ex.command(), "```", "",
             f"**What to look for.** {ex.look_for}", "",
             f":::{{dropdown}} Worked solution ({name} run)", ""]
    lines += ex.solution(tables, profile)
    return lines + ["", ":::", ""]


def lab_markdown(profile: Profile, profile_dir: os.PathLike) -> str:
    """Body of the lab chapter (``generated/lab_body.md``) from the run in ``profile_dir``
    (its ``results/`` and the papermill records of its ``notebooks/``)."""
    profile_dir = Path(profile_dir)
    tables, _ = read_results(profile_dir / "results", sol.SOLUTION_TABLES)
    durations = stage_durations(profile_dir / "notebooks")
    name = profile.name
    lines = ["## A plan for one session", "", *plan_lines(durations), "## Exercises", "",
             *_source_lines(name, tables, durations)]
    for k, ex in enumerate(EXERCISES):
        lines += _exercise_lines(k, ex, tables, profile, name, durations)
    return "\n".join(lines) + "\n"
