"""The exercise framework grades: against the untouched stubs every task's tests fail, each with
a message naming its task; a wrong TINYSNN_EXERCISES is refused by name.

(Against the solutions the exercise tests pass: that is the default run of tests/exercises.)
A task whose stub in tutorials/exercises has been filled in (a learner's work) is skipped here.
"""

import ast
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests" / "exercises"
STUBS = REPO / "tutorials" / "exercises"
SOLUTIONS = REPO / "tutorials" / "solutions"
_TASK_TEST = re.compile(r"^def (test_task_(\d+)_(\d+)_\w+)", re.M)
_TASK_DOC = re.compile(r"^Task (\d+\.\d+)")


def _tasks_of_tests():
    """{task: [test function names]} from the source of tests/exercises."""
    tasks = {}
    for path in sorted(TESTS.glob("test_ex*.py")):
        for name, notebook, number in _TASK_TEST.findall(path.read_text()):
            tasks.setdefault(f"{int(notebook)}.{int(number)}", []).append(name)
    return tasks


TASKS = _tasks_of_tests()


def _stub_functions(folder):
    """{task: [(file, function, untouched)]}: every function whose docstring starts "Task N.M",
    and whether its body is still only that docstring and raise NotImplementedError("Task N.M")."""
    found = {}
    for path in sorted(folder.glob("ex*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            match = _TASK_DOC.match(ast.get_docstring(node) or "")
            if match is None:
                continue
            task = match.group(1)
            rest = node.body[1:]
            untouched = (len(rest) == 1 and isinstance(rest[0], ast.Raise)
                         and ast.unparse(rest[0]).startswith(
                             f"raise NotImplementedError('Task {task}"))
            found.setdefault(task, []).append((path.name, node.name, untouched))
    return found


@pytest.fixture(scope="module")
def against_the_stubs(tmp_path_factory):
    """{test name: (passed, message)} of tests/exercises run against tutorials/exercises."""
    folder = tmp_path_factory.mktemp("stubs")
    report = folder / "report.xml"
    env = {**os.environ, "TINYSNN_EXERCISES": "stubs"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             f"--junitxml={report}", str(TESTS)], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=600)
    assert report.exists(), f"the exercise tests did not run:\n{result.stdout}\n{result.stderr}"
    outcomes = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        problem = case.find("failure") if case.find("failure") is not None else case.find("error")
        name = case.get("name").split("[")[0]
        previous = outcomes.get(name, (False, ""))
        passed = problem is None
        outcomes[name] = (previous[0] or passed,
                          previous[1] if passed else (problem.text or problem.get("message")))
    return outcomes


def test_at_least_twelve_tasks_each_with_its_stub_and_solution():
    stubs, solutions = _stub_functions(STUBS), _stub_functions(SOLUTIONS)
    assert len(TASKS) >= 12, f"only {len(TASKS)} graded tasks: {sorted(TASKS)}"
    for task in TASKS:
        assert task in stubs, f"Task {task} has tests but no stub in {STUBS}"
        assert task in solutions, f"Task {task} has tests but no solution in {SOLUTIONS}"
    assert set(stubs) == set(TASKS), f"stubs without tests: {sorted(set(stubs) - set(TASKS))}"
    for path in sorted(STUBS.glob("ex*.py")):
        assert (SOLUTIONS / path.name).exists(), f"{path.name} has no solution module"


@pytest.mark.parametrize("task", sorted(TASKS, key=lambda t: [int(p) for p in t.split(".")]))
def test_an_unfinished_task_fails_with_its_name(task, against_the_stubs):
    stubs = _stub_functions(STUBS).get(task, [])
    edited = [f"{file}: {name}" for file, name, untouched in stubs if not untouched]
    if edited:
        pytest.skip(f"Task {task} has work in it ({', '.join(edited)}): this check needs the "
                    f"untouched stub")
    for test in TASKS[task]:
        assert test in against_the_stubs, f"{test} did not run against the stubs"
        passed, message = against_the_stubs[test]
        assert not passed, f"{test} passes against the unfinished stub of Task {task}"
        assert f"Task {task} is not done yet" in message, (
            f"{test} fails against the stub of Task {task}, but its message does not say that "
            f"Task {task} is not done:\n{message}")


def test_a_wrong_setting_is_refused(tmp_path):
    env = {**os.environ, "TINYSNN_EXERCISES": "mine"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             str(TESTS / "test_ex01_autograd.py")], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "TINYSNN_EXERCISES must be 'stubs'" in result.stdout + result.stderr
