"""Griffe extension: keep the line structure of tinysnn's docstrings in the API reference.

tinysnn's docstrings are plain text with one line per argument or shape (``x: [T, B, ...] input
current``, ``v_init: ...``). Markdown would join those lines into one paragraph; this extension
ends the line before each such item with a hard line break (two spaces), so every item starts a
line of its own, as it does in the source. Paragraphs, blank lines and indented code are untouched.
"""

import re

import griffe

# "name: text" or "name, other: text" at the start of a line (an argument, a shape, a return)
ITEM = re.compile(
    r"^\s*[\w.*/]+( [\w.*/]+){0,3}"  # a name, or up to four words ("Per step")
    r"(\[[^\]]*\])?(\s*,\s*[\w.*/]+)*"  # an index, more names after commas
    r"\s*(\([^)]*\))?\s*(:|->)\s"  # a remark in parentheses, then ":" or "->"
)
BULLET = re.compile(r"^\s*[-*] ")


def keep_lines(text):
    lines = text.split("\n")
    in_code = False  # an indented block after a blank line is code; indented text after text
    for i in range(1, len(lines)):
        previous, line = lines[i - 1], lines[i]
        if not line.strip():
            continue
        if not previous.strip():
            in_code = line.startswith("    ")
            continue
        in_code = in_code and line.startswith("    ")
        if not in_code and not line.startswith("    ") and (ITEM.match(line) or BULLET.match(line)):
            lines[i - 1] = previous.rstrip() + "  "
    return "\n".join(lines)


class KeepDocstringLines(griffe.Extension):
    """Applies ``keep_lines`` to the docstring of every object griffe loads."""

    def on_object(self, *, obj, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = keep_lines(obj.docstring.value)
