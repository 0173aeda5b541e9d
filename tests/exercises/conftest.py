"""Exercise tests: one group of tests per task, named ``test_task_<notebook>_<task>_...``.

An unfinished task raises NotImplementedError("Task N.M ..."); its tests then fail with one
short message that names the task and the function to write, instead of a traceback.
"""

import re

import pytest
from grading import ENV_VAR, folder, selected

selected()  # a wrong $TINYSNN_EXERCISES stops the run here, with a message that says why

_TASK = re.compile(r"^Task (\d+\.\d+)")


def pytest_report_header(config):
    return (f"exercises: grading {folder()} ({ENV_VAR}={selected()}; "
            f"{ENV_VAR}=stubs grades your work in tutorials/exercises)")


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter):
    # printed even with -q: which folder was graded, and how to grade the other one
    which = selected()
    other = ("TINYSNN_EXERCISES=stubs (or python -m tinysnn.course) grades your work in "
             "tutorials/exercises/" if which == "solutions" else
             "python -m tinysnn.course --solutions grades the solutions")
    terminalreporter.write_line(f"exercises: graded {folder()} ({ENV_VAR}={which}); {other}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    excinfo = call.excinfo
    if excinfo is None or not excinfo.errisinstance(NotImplementedError):
        return
    found = _TASK.match(str(excinfo.value))
    if found is None:
        return
    task = found.group(1)
    what = str(excinfo.value)[found.end():].lstrip(": ")
    frame = excinfo.traceback[-1]  # the stub that raised
    where = f"{frame.path.name}, {frame.name}" if frame.path else frame.name
    report.longrepr = (
        f"Task {task} is not done yet: {what}\n"
        f"  the stub that raised: {where} (line {frame.lineno + 1})\n"
        f"  write it, then grade it: TINYSNN_EXERCISES=stubs python -m pytest tests/exercises "
        f"-k task_{task.replace('.', '_')}"
    )
