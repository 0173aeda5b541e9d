"""The documentation is checked like code: every public name has a docstring (the site's API
reference is generated from them), and every ``python -m tinysnn ...`` command shown in the docs
parses with the command line's own parser, so the docs cannot drift from the CLI."""

import ast
import re
import shlex
from pathlib import Path

import pytest

from tinysnn.app.cli import parser

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = sorted([ROOT / "README.md", ROOT / "tutorials" / "README.md",
                    *(ROOT / "docs").rglob("*.md")])


def public_modules():
    """(dotted name, path) of every module of tinysnn with no part of its path starting with "_"
    (the rule by which docs/_hooks/site.py makes the API reference's pages)."""
    for path in sorted((ROOT / "tinysnn").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if path.name == "__init__.py":
            parts = parts[:-1]
        if not any(part.startswith("_") for part in parts):
            yield ".".join(parts), path


def undocumented(module, path):
    """The module itself and its public top-level functions and classes that have no docstring.
    (Methods are described by their class; an override such as Function.backward says what its
    base says.)"""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    missing = [] if ast.get_docstring(tree) else [module]
    for node in tree.body:
        if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and not node.name.startswith("_") and not ast.get_docstring(node)):
            missing.append(f"{module}.{node.name} ({path.relative_to(ROOT)}:{node.lineno})")
    return missing


def test_every_public_name_has_a_docstring():
    modules = list(public_modules())
    assert len(modules) > 50, "the walk found too few modules to be looking in the right place"
    missing = [name for module, path in modules for name in undocumented(module, path)]
    assert not missing, ("no docstring (the API reference would show nothing):\n"
                         + "\n".join(missing))


FENCE = re.compile(r"^\s*```[^\n]*\n(.*?)^\s*```", re.S | re.M)
INLINE = re.compile(r"`(python -m tinysnn(?![\w.])[^`]*)`")
COMMAND = re.compile(r"python -m tinysnn(?![\w.])(.*)")  # not python -m tinysnn.course


def shown_commands(text):
    """The arguments of every `python -m tinysnn ...` in the text's code blocks and code spans;
    a span with a <placeholder> or with no arguments names the program, it is not a command."""
    for block in FENCE.findall(text):
        for line in block.replace("\\\n", " ").splitlines():  # a line ending in \ goes on
            match = COMMAND.search(line)
            if match:
                yield match.group(1)
    for span in INLINE.findall(FENCE.sub("", text)):
        arguments = COMMAND.search(span).group(1)
        if arguments.strip() and "<" not in arguments:
            yield arguments


def parse_error(arguments):
    """None if `python -m tinysnn <arguments>` parses, else argparse's complaint."""
    words = []
    for word in shlex.split(arguments, comments=True):
        if word in ("&&", "||", "|", ";", ">", "2>&1") or word.startswith(">"):
            break  # the rest of the shell line is another command
        words.append(word)
    try:
        parser().parse_args(words)
    except SystemExit as stop:
        return None if stop.code == 0 else f"exit status {stop.code}"
    return None


def all_shown_commands():
    return [(path.relative_to(ROOT), args) for path in DOC_FILES
            for args in shown_commands(path.read_text(encoding="utf-8"))]


def test_the_docs_show_many_commands():
    assert len(all_shown_commands()) >= 30


def test_a_wrong_command_is_caught(capsys):
    assert list(shown_commands("```bash\npython -m tinysnn train --no-such-option 3\n```")) == [
        " train --no-such-option 3"]
    assert list(shown_commands("```\npython -m tinysnn train --epochs 2 \\\n  --lr 1e-3\n```")) == [
        " train --epochs 2    --lr 1e-3"]
    assert parse_error(" train --no-such-option 3") is not None
    assert parse_error(" train --epochs 2 --out runs/x   # a comment --bad") is None


@pytest.mark.parametrize("where, arguments", all_shown_commands(), ids=str)
def test_a_command_shown_in_the_docs_parses(where, arguments, capsys):
    error = parse_error(arguments)
    assert error is None, (f"{where}: `python -m tinysnn{arguments}` does not parse ({error}): "
                           f"{capsys.readouterr().err.strip()}")
