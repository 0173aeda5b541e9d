"""Plant a wrong solution into a copy of the solution module and run its task's tests in-process.

A wrong solution is a small file in ``tests/exercises/wrong/``:

    '''Task 3.2, wrong: fires on H > threshold instead of H >= threshold.'''
    REPLACE = [("s = (u >= 0)", "s = (u > 0)")]   # (text of the solution, its wrong version)
    EXPECT = r"exactly at the threshold"          # what a failing test's message must say

Its docstring names the task. Every ``old`` text must occur exactly once in the solution module of
that task (so a changed solution breaks the wrong file loudly instead of planting nothing).
``run_task`` runs the task's test functions (``test_task_N_M_*``) against the planted module,
each parametrized case and hypothesis example in this process, and returns what failed.
"""

import ast
import importlib.util
import itertools
import re
import sys
import warnings
from pathlib import Path

from hypothesis import Phase, settings

EXERCISE_TESTS = Path(__file__).resolve().parent
WRONG = EXERCISE_TESTS / "wrong"
SOLUTIONS = EXERCISE_TESTS.parents[1] / "tutorials" / "solutions"
_TASK = re.compile(r"^Task (\d+)\.(\d+)")


class Wrong:
    """One wrong solution: its task, its solution module, its edits, the message expected."""

    def __init__(self, path):
        tree = ast.parse(path.read_text())
        self.path, self.name = path, path.stem
        self.doc = " ".join((ast.get_docstring(tree) or "").split())
        found = _TASK.match(self.doc)
        if found is None:
            raise ValueError(f"{path.name}: the docstring must start 'Task N.M, wrong: ...'")
        self.notebook, self.number = int(found.group(1)), int(found.group(2))
        self.task = f"{self.notebook}.{self.number}"
        values = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                values[node.targets[0].id] = ast.literal_eval(node.value)
        self.replace, self.expect = values["REPLACE"], values["EXPECT"]
        modules = sorted(SOLUTIONS.glob(f"ex{self.notebook:02d}_*.py"))
        if len(modules) != 1:
            raise ValueError(f"{path.name}: no single solution module for Task {self.task}")
        self.module_path = modules[0]

    def planted_source(self):
        source = self.module_path.read_text()
        for old, new in self.replace:
            count = source.count(old)
            if count != 1:
                raise ValueError(f"{self.path.name}: {old!r} occurs {count} times in "
                                 f"{self.module_path.name}, expected once")
            source = source.replace(old, new)
        return source

    def planted_module(self):
        """A fresh module: the solution with the wrong edits, under a name of its own."""
        name = f"tinysnn_wrong_{self.name}"
        spec = importlib.util.spec_from_loader(name, loader=None)
        module = importlib.util.module_from_spec(spec)
        module.__file__ = str(self.module_path)
        sys.modules[name] = module  # dataclasses look their module up by name
        exec(compile(self.planted_source(), f"<{self.path.name}>", "exec"), module.__dict__)
        return module


def wrong_solutions():
    return [Wrong(path) for path in sorted(WRONG.glob("task_*.py"))]


_TEST_MODULES = {}


def test_module(notebook):
    """tests/exercises/test_exNN_*.py, imported once under a private name."""
    if notebook not in _TEST_MODULES:
        if str(EXERCISE_TESTS) not in sys.path:
            sys.path.insert(0, str(EXERCISE_TESTS))
        (path,) = EXERCISE_TESTS.glob(f"test_ex{notebook:02d}_*.py")
        spec = importlib.util.spec_from_file_location(f"tinysnn_planting_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _TEST_MODULES[notebook] = module
    return _TEST_MODULES[notebook]


def _cases(function):
    """The keyword arguments of every parametrized case of a test function ([{}] if none)."""
    axes = []
    for mark in getattr(function, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        names, values = mark.args[0], mark.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        axes.append([dict(zip(names, v if len(names) > 1 else (v,))) for v in values])
    return [dict(item for case in combo for item in case.items())
            for combo in itertools.product(*axes)]


_FAST = dict(database=None, deadline=None, phases=(Phase.explicit, Phase.generate))


def _quick(function):
    """A hypothesis test with the same examples, without shrinking (a failure stops at once)."""
    inner = getattr(function, "_hypothesis_internal_use_settings", None)
    if inner is not None:
        function._hypothesis_internal_use_settings = settings(inner, **_FAST)
    return function


def run_task(tests, task_prefix, module):
    """Run every ``task_prefix*`` test of ``tests`` with its ``ex`` set to ``module``.

    Returns [(test name, message)] of the failing cases (the first failing case of each test).
    """
    failures, saved = [], tests.ex
    tests.ex = module
    try:
        with warnings.catch_warnings():  # a wrong solution may divide by zero on its way to failing
            warnings.simplefilter("ignore")
            for name in sorted(n for n in vars(tests) if n.startswith(task_prefix)):
                message = _first_failure(getattr(tests, name))
                if message is not None:
                    failures.append((name, message))
    finally:
        tests.ex = saved
    return failures


def _first_failure(function):
    """Run every case of one test function; the first failure's message, or None."""
    original = getattr(function, "_hypothesis_internal_use_settings", None)
    _quick(function)
    try:
        for case in _cases(function):
            try:
                function(**case)
            except Exception as err:  # noqa: BLE001 (any failure counts; its text is kept)
                return f"{type(err).__name__}: {err}"
        return None
    finally:
        if original is not None:
            function._hypothesis_internal_use_settings = original
