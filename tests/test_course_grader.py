"""The course's grader, ``python -m tinysnn.course``: your exercises by default, the solutions when
asked, a task's tests with their messages, and a refusal of a task that does not exist."""

import subprocess
import sys
from pathlib import Path

import pytest

from tinysnn import course

REPO = Path(__file__).resolve().parents[1]


def _grade(*args):
    return subprocess.run([sys.executable, "-m", "tinysnn.course", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def test_grades_the_learners_files_by_default():
    result = _grade("2.1")
    assert result.stdout.startswith("Grading tutorials/exercises/"), result.stdout
    if "Task 2.1: not done" in result.stdout:  # the stub as shipped
        assert "lif_step raises NotImplementedError" in result.stdout
        assert result.returncode == 1


def test_grades_the_solutions_when_asked():
    result = _grade("--solutions", "2.1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Grading tutorials/solutions/")
    assert "Task 2.1: done" in result.stdout and "passed test_task_2_1_" in result.stdout


def test_a_task_that_does_not_exist_is_refused():
    result = _grade("two")
    assert result.returncode == 2
    assert "expected a task such as 2.1 or a notebook such as 2, got 'two'" in result.stderr


@pytest.mark.parametrize("results, expected", [
    ([("test_task_2_1_a", "passed", ""), ("test_task_2_1_b", "passed", "")],
     ("done", "2 tests pass")),
    ([("test_task_2_1_a", "failed", "Task 2.1 is not done yet: lif_step\n  the stub ...")],
     ("not done", "lif_step raises NotImplementedError")),
    ([("test_task_2_1_a", "passed", ""),
      ("test_task_2_1_b", "failed", "    assert x\nE   AssertionError: S has dtype float64\nE   "
                                    "assert False")],
     ("wrong", "1 of 2 tests fail: AssertionError: S has dtype float64")),
])
def test_status_of_a_task(results, expected):
    assert course.status("2.1", results) == expected
