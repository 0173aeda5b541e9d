"""Which implementation the exercise tests grade: the learner's work or the solutions.

    TINYSNN_EXERCISES=stubs       tutorials/exercises/  (your work: the stubs you fill in)
    TINYSNN_EXERCISES=solutions   tutorials/solutions/  (the default, what CI checks)

The default is "solutions" so that a plain ``python -m pytest`` (CI included) checks that every
exercise can be solved and that its tests pass on a correct answer. To grade your own work:

    TINYSNN_EXERCISES=stubs python -m pytest tests/exercises -k task_2_1
"""

import importlib.util
import os
import sys
from pathlib import Path

ENV_VAR = "TINYSNN_EXERCISES"
DEFAULT = "solutions"
FOLDERS = {"stubs": "exercises", "solutions": "solutions"}
TUTORIALS = Path(__file__).resolve().parents[2] / "tutorials"


def selected():
    """"stubs" or "solutions", from $TINYSNN_EXERCISES (default "solutions")."""
    which = os.environ.get(ENV_VAR) or DEFAULT
    if which not in FOLDERS:
        raise ValueError(f"{ENV_VAR} must be 'stubs' (grade tutorials/exercises/, your work) or "
                         f"'solutions' (grade tutorials/solutions/), got {which!r}")
    return which


def folder():
    """The folder whose modules the tests import."""
    return TUTORIALS / FOLDERS[selected()]


def load(name):
    """The module ``name`` (e.g. "ex02_lif") from the selected folder, imported from its file."""
    which = selected()
    module_name = f"tinysnn_{FOLDERS[which]}_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = folder() / f"{name}.py"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # before exec: dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
