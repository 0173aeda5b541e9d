"""Helpers of the notebooks: the check cell that grades your exercises, and ``yours``.

    from course import check
    check("02")          # grade your tutorials/exercises/ex02_*.py, print what is wrong

``check`` runs the same tests as ``python -m tinysnn.course 2`` (the course's grader) in a fresh
Python process, so it always sees your latest edits, and prints one line per task: passed, not
done yet, or the first failure's message.

    encode = yours(ex.rate_encode)   # your function; the solution's while yours is not done

``yours`` lets a notebook run from top to bottom before you have written its exercises: while
your function raises NotImplementedError("Task ..."), the solution's runs instead, with a note.
``solution_of(obj)`` is the solution's function or class of that name, for the same purpose.
"""

import functools
import importlib.util
import inspect
import sys
from pathlib import Path

from tinysnn.course import by_task, run_tests, status, what_is_wrong

TUTORIALS = Path(__file__).resolve().parent
TESTS = TUTORIALS.parent / "tests" / "exercises"


def check(notebook, verbose=False):
    """Grade the exercises of ``notebook`` ("02", 2, ...) and print one line per task.

    verbose: print every failing test's message, not only the first of each task.
    """
    number = int(notebook)
    if not sorted(TESTS.glob(f"test_ex{number:02d}_*.py")):
        raise ValueError(f"check: no exercise tests for notebook {notebook!r} in {TESTS}")
    tasks = by_task(run_tests("stubs", f"task_{number}_"))
    done = 0
    for task, results in tasks.items():
        state, note = status(task, results)
        if state == "done":
            done += 1
            print(f"Task {task}: passed ({note})")
        elif state == "not done":
            print(f"Task {task}: not done yet ({note})")
        else:
            failed = [r for r in results if r[1] != "passed"]
            print(f"Task {task}: FAILED {len(failed)} of {len(results)} tests")
            for name, _, message in failed if verbose else failed[:1]:
                text = what_is_wrong(message).replace("\n", "\n        ")
                print(f"    {name}:\n        {text}")
    print(f"{done} of {len(tasks)} tasks of notebook {number:02d} pass.")


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
