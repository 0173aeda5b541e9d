"""JSON read from files tinysnn did not write itself, with its size and nesting bounded.

    document = loads("{...}")        # json.loads, or ValueError naming the bound exceeded

Python's json parser recurses once per level of nesting: ``"[" * 200000`` raises a
RecursionError from deep inside it, and a huge document takes all memory. Every JSON document
tinysnn reads (a checkpoint's metadata, metrics.json, ablation.json) goes through ``loads``,
which measures the nesting first (without recursion, brackets inside strings not counted) and
refuses a document deeper than MAX_DEPTH levels or longer than MAX_CHARACTERS.
"""

import json
import re

import numpy as np

MAX_DEPTH = 64                   # tinysnn's own documents nest 5 levels
MAX_CHARACTERS = 256 * 2**20     # metrics.json of a 300-epoch paper run is under 1 MiB

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_OPEN, _CLOSE = np.frombuffer(b"[{", np.uint8), np.frombuffer(b"]}", np.uint8)


def nesting_depth(text):
    """The deepest nesting of arrays and objects in JSON ``text`` (brackets in strings ignored)."""
    codes = np.frombuffer(_STRING.sub('""', text).encode("utf-8", "replace"), np.uint8)
    steps = np.isin(codes, _OPEN).astype(np.int64) - np.isin(codes, _CLOSE)
    return int(np.cumsum(steps).max(initial=0))


def loads(text):
    """json.loads(text), or ValueError when ``text`` is too long, too deep or not JSON."""
    if isinstance(text, (bytes, bytearray)):
        text = text.decode("utf-8")
    if len(text) > MAX_CHARACTERS:
        raise ValueError(f"{len(text)} characters, more than the {MAX_CHARACTERS} allowed")
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise ValueError(f"nested {depth} levels deep, more than the {MAX_DEPTH} allowed")
    return json.loads(text)


def load_file(path):
    """The JSON document in the file ``path`` (UTF-8), bounded as ``loads``; OSError from
    reading, ValueError (UnicodeDecodeError, json.JSONDecodeError included) for its content."""
    with open(path, "rb") as f:
        data = f.read(MAX_CHARACTERS + 1)      # a character is at least one byte
    if len(data) > MAX_CHARACTERS:
        raise ValueError(f"over {MAX_CHARACTERS} bytes, more than the {MAX_CHARACTERS} allowed")
    return loads(data.decode("utf-8"))
