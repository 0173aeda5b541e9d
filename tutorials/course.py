"""Helpers of the notebooks: the check cell that grades your exercises, and ``yours``.

    from course import check
    check("02")          # grade your tutorials/exercises/ex02_*.py, print what is wrong

``check`` runs the same tests as ``TINYSNN_EXERCISES=stubs python -m pytest tests/exercises -k
task_2`` in a fresh Python process (so it always sees your latest edits) and prints one line per
task: passed, not done yet, or the first failure's message.

    encode = yours(ex.rate_encode)   # your function; the solution's while yours is not done

``yours`` lets a notebook run from top to bottom before you have written its exercises: while
your function raises NotImplementedError("Task ..."), the solution's runs instead, with a note.
``solution_of(obj)`` is the solution's function or class of that name, for the same purpose.
"""

import functools
import importlib.util
import inspect
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

TUTORIALS = Path(__file__).resolve().parent
TESTS = TUTORIALS.parent / "tests" / "exercises"
_TASK = re.compile(r"test_task_(\d+)_(\d+)")


def _run_tests(files):
    """Run pytest on ``files`` against tutorials/exercises; return [(test, outcome, message)]."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.xml"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--color=no",
                   f"--junitxml={report}", *map(str, files)]
        env = {**os.environ, "TINYSNN_EXERCISES": "stubs"}
        result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
        if not report.exists():
            raise RuntimeError(f"the exercise tests did not run:\n{result.stdout[-3000:]}"
                               f"{result.stderr[-3000:]}")
        root = ElementTree.parse(report).getroot()
    outcomes = []
    for case in root.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            outcomes.append((case.get("name"), "passed", ""))
        else:
            outcomes.append((case.get("name"), "failed", problem.text or problem.get("message")))
    if not outcomes:  # nothing collected: an import error in the exercise module, most likely
        raise RuntimeError(f"no exercise test ran:\n{result.stdout[-3000:]}")
    return outcomes


def _what_is_wrong(text, n=8):
    """The error lines of a pytest failure report (those marked "E"), without pytest's
    re-evaluation of the assert expression; the whole text when there are none."""
    lines = (text or "").strip().splitlines()
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]
    errors = [line for line in errors if line and not line.startswith(("assert ", "+"))]
    return "\n".join((errors or lines)[:n])


def check(notebook, verbose=False):
    """Grade the exercises of ``notebook`` ("02", 2, ...) and print one line per task.

    verbose: print every failing test's message, not only the first of each task.
    """
    number = int(notebook)
    files = sorted(TESTS.glob(f"test_ex{number:02d}_*.py"))
    if not files:
        raise ValueError(f"check: no exercise tests for notebook {notebook!r} in {TESTS}")
    tasks = {}
    for name, outcome, message in _run_tests(files):
        found = _TASK.match(name)
        task = f"{found.group(1)}.{found.group(2)}" if found else name
        tasks.setdefault(task, []).append((name, outcome, message))
    status = {}
    for task, results in sorted(tasks.items(), key=lambda kv: [int(p) for p in kv[0].split(".")]):
        failed = [r for r in results if r[1] != "passed"]
        if not failed:
            status[task] = "passed"
            print(f"Task {task}: passed ({len(results)} test{'s' * (len(results) > 1)})")
            continue
        unfinished = [r for r in failed if f"Task {task} is not done yet" in (r[2] or "")]
        if len(unfinished) == len(failed) == len(results):
            status[task] = "not done"
            what = unfinished[0][2].splitlines()[0].split("not done yet: ", 1)[-1]
            print(f"Task {task}: not done yet ({what} raises NotImplementedError)")
            continue
        status[task] = "failed"
        print(f"Task {task}: FAILED {len(failed)} of {len(results)} tests")
        for name, _, message in failed if verbose else failed[:1]:
            text = _what_is_wrong(message).replace("\n", "\n        ")
            print(f"    {name}:\n        {text}")
    done = sum(s == "passed" for s in status.values())
    print(f"{done} of {len(status)} tasks of notebook {number:02d} pass.")


def solution_of(obj):
    """The function or class of the same name in tutorials/solutions (imported once)."""
    module_file = Path(inspect.getfile(obj)).name
    name = f"tinysnn_solutions_{Path(module_file).stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TUTORIALS / "solutions" / module_file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return functools.reduce(getattr, obj.__qualname__.split("."), sys.modules[name])


def yours(function):
    """``function`` from tutorials/exercises, or the solution's while it is not written yet."""
    noted = []

    @functools.wraps(function)
    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except NotImplementedError as err:
            if not str(err).startswith("Task "):
                raise
            if not noted:
                print(f"[{err} is not done yet: the solution's {function.__name__} runs here]")
                noted.append(True)
            return solution_of(function)(*args, **kwargs)

    return call
