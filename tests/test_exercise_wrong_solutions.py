"""The exercise tests reject wrong answers: every plausible wrong solution in
``tests/exercises/wrong/`` is planted into a copy of its task's solution, and that task's tests
must fail, with a message that points at the mistake (the wrong file's EXPECT).

Runs in-process (no subprocess per wrong solution), hypothesis without shrinking.
"""

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "exercises"))
import planting  # noqa: E402

WRONGS = planting.wrong_solutions()
_TASK_TEST = re.compile(r"^def test_task_(\d+)_(\d+)_", re.M)


def _tasks():
    tasks = set()
    for path in planting.EXERCISE_TESTS.glob("test_ex*.py"):
        tasks.update(f"{int(a)}.{int(b)}" for a, b in _TASK_TEST.findall(path.read_text()))
    return tasks


def test_at_least_two_wrong_solutions_per_task():
    counts = {task: sum(w.task == task for w in WRONGS) for task in _tasks()}
    short = {task: n for task, n in counts.items() if n < 2}
    assert not short, f"tasks with fewer than two wrong solutions: {short}"
    assert len(WRONGS) >= 50, f"only {len(WRONGS)} wrong solutions"


@pytest.mark.parametrize("wrong", WRONGS, ids=lambda w: w.name)
def test_a_wrong_solution_is_rejected(wrong):
    tests = planting.test_module(wrong.notebook)
    failures = planting.run_task(tests, f"test_task_{wrong.notebook}_{wrong.number}_",
                                 wrong.planted_module())
    what = wrong.doc.split(": ", 1)[-1]
    assert failures, (
        f"{wrong.path.name}: every test of Task {wrong.task} passes a solution that {what}")
    pointing = [m for _, m in failures if re.search(wrong.expect, m, re.IGNORECASE)]
    assert pointing, (
        f"{wrong.path.name} ({what}) fails Task {wrong.task}'s tests, but no message matches "
        f"{wrong.expect!r}:\n" + "\n".join(f"  {name}: {m[:300]}" for name, m in failures))
