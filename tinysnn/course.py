"""The course's grader: which tasks of the tutorials' exercises are done, not done yet, or wrong.

    python -m tinysnn.course              # a table of all 25+ tasks, with the first failing message
    python -m tinysnn.course 2.1          # that task's tests, each with its message
    python -m tinysnn.course 4            # notebook 04's tasks
    python -m tinysnn.course --solutions  # grade tutorials/solutions/ instead (what CI checks)

It grades your files, ``tutorials/exercises/``, unless ``--solutions`` is given, by running the
tests of ``tests/exercises`` on them in a fresh Python process (``TINYSNN_EXERCISES=stubs``), so
it always sees your latest edits. It needs the repository (a clone installed with
``pip install -e .``): the tutorials and their tests are not part of the installed package.
The notebooks' ``check("02")`` cell prints the same lines for one notebook.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
TESTS = REPOSITORY / "tests" / "exercises"
FOLDERS = {"stubs": REPOSITORY / "tutorials" / "exercises",
           "solutions": REPOSITORY / "tutorials" / "solutions"}
_TEST = re.compile(r"test_task_(\d+)_(\d+)")
_ONE_TASK = re.compile(r"^(\d+)\.(\d+)$")


class GradingError(RuntimeError):
    """The tests could not run (no repository, an import error in an exercise module, ...)."""


def run_tests(which="stubs", selection=None):
    """Run tests/exercises on tutorials/exercises ("stubs") or tutorials/solutions.

    selection: a pytest -k expression (e.g. "task_2_1"), or None for all.
    Returns [(test name, "passed" | "failed", message)], in the order pytest ran them.
    """
    if not TESTS.is_dir():
        raise GradingError(f"no exercise tests at {TESTS}: grade from a clone of the repository "
                           f"(pip install -e .), where tutorials/ and tests/ are")
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.xml"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--color=no",
                   f"--junitxml={report}", str(TESTS)] + (["-k", selection] if selection else [])
        env = {**os.environ, "TINYSNN_EXERCISES": which}
        paths = [str(REPOSITORY), *filter(None, [env.get("PYTHONPATH")])]
        env["PYTHONPATH"] = os.pathsep.join(paths)
        result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
        if not report.exists():
            raise GradingError(f"the exercise tests did not run:\n{result.stdout[-3000:]}"
                               f"{result.stderr[-3000:]}")
        root = ElementTree.parse(report).getroot()
    outcomes = []
    for case in root.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if case.find("skipped") is not None:
            continue
        if problem is None:
            outcomes.append((case.get("name"), "passed", ""))
        else:
            outcomes.append((case.get("name"), "failed", problem.text or problem.get("message")))
    if not outcomes:  # nothing collected: an import error in an exercise module, most likely
        raise GradingError(f"no exercise test ran:\n{result.stdout[-3000:]}")
    return outcomes


def what_is_wrong(text, n=8):
    """The error lines of a pytest failure report (those marked "E"), without pytest's
    re-evaluation of the assert expression; the whole text when there are none."""
    lines = (text or "").strip().splitlines()
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]
    errors = [line for line in errors if line and not line.startswith(("assert ", "+"))]
    return "\n".join((errors or lines)[:n])


def by_task(outcomes):
    """{"2.1": [(test, outcome, message), ...]}, tasks in course order."""
    tasks = {}
    for name, outcome, message in outcomes:
        found = _TEST.match(name)
        task = f"{found.group(1)}.{found.group(2)}" if found else name
        tasks.setdefault(task, []).append((name, outcome, message))
    order = lambda task: [int(p) if p.isdigit() else 0 for p in task.split(".")]
    return dict(sorted(tasks.items(), key=lambda item: order(item[0])))


def status(task, results):
    """("done" | "not done" | "wrong", a one-line note) for one task's test results."""
    failed = [r for r in results if r[1] != "passed"]
    if not failed:
        return "done", f"{len(results)} test{'s' * (len(results) > 1)} pass"
    unfinished = [r for r in failed if f"Task {task} is not done yet" in (r[2] or "")]
    if len(unfinished) == len(failed) == len(results):
        what = unfinished[0][2].splitlines()[0].split("not done yet: ", 1)[-1]
        return "not done", f"{what} raises NotImplementedError"
    first = what_is_wrong(failed[0][2], n=1).splitlines()
    return "wrong", f"{len(failed)} of {len(results)} tests fail: {first[0] if first else ''}"


def print_table(tasks, which, width=100):
    """One row per task: its status and what is wrong."""
    print(f"Grading {FOLDERS[which].relative_to(REPOSITORY)}/")
    print(f"{'task':<6} {'status':<9} note")
    counts = {"done": 0, "not done": 0, "wrong": 0}
    for task, results in tasks.items():
        state, note = status(task, results)
        counts[state] += 1
        print(f"{task:<6} {state:<9} {note}"[:width])
    print(f"{counts['done']} of {len(tasks)} tasks done, {counts['wrong']} wrong, "
          f"{counts['not done']} not done yet.")


def print_details(tasks, which):
    """Every test of the given tasks, with the message of each failing one."""
    print(f"Grading {FOLDERS[which].relative_to(REPOSITORY)}/")
    for task, results in tasks.items():
        state, note = status(task, results)
        print(f"Task {task}: {state} ({note})")
        for name, outcome, message in results:
            print(f"  {outcome:<6} {name}")
            if outcome != "passed" and state != "not done":
                print("         " + what_is_wrong(message).replace("\n", "\n         "))


def selection_of(what):
    """The pytest -k expression for "2.1" (a task) or "2" / "02" (a notebook)."""
    found = _ONE_TASK.match(what)
    if found:
        return f"task_{int(found.group(1))}_{int(found.group(2))}_"
    if what.isdigit():
        return f"task_{int(what)}_"
    raise ValueError(f"expected a task such as 2.1 or a notebook such as 2, got {what!r}")


def main(argv=None):
    """``python -m tinysnn.course [task] [--solutions]``: 0 when every graded task is done."""
    parser = argparse.ArgumentParser(
        prog="python -m tinysnn.course",
        description="Grade the course's exercises: your tutorials/exercises/ by default.")
    parser.add_argument("task", nargs="?", help="a task (2.1) or a notebook (2); all if left out")
    parser.add_argument("--solutions", action="store_true",
                        help="grade tutorials/solutions/ instead of your exercises")
    args = parser.parse_args(argv)
    which = "solutions" if args.solutions else "stubs"
    try:
        selection = selection_of(args.task) if args.task else None
        tasks = by_task(run_tests(which, selection))
    except (ValueError, GradingError) as err:
        print(f"python -m tinysnn.course: {err}", file=sys.stderr)
        return 2
    if selection is None:
        print_table(tasks, which)
    else:
        print_details(tasks, which)
    return 0 if all(status(t, r)[0] == "done" for t, r in tasks.items()) else 1


if __name__ == "__main__":
    sys.exit(main())
