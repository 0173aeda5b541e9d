"""Event streams stored as text, one event per line: ``t x y p`` (DVS128 Gait's files).

Each line holds four integers separated by white space: time in microseconds, column, row,
polarity (1 = ON; 0 or -1 = OFF). Empty lines are skipped. Parsing is vectorised: the file is
split into tokens once, and the number of tokens on each line is counted from the positions of
line breaks, so a line with too few or too many numbers is found without a loop over lines.
"""

import os

import numpy as np

from ..atomic import atomic_open
from .errors import DataError
from .events import check_events, make_events

COLUMNS = ("t", "x", "y", "p")
_WHITESPACE = np.frombuffer(b" \t\r\n\v\f", np.uint8)


def _tokens_per_line(data):
    """[lines] number of white-space separated tokens on each line of ``data`` (bytes)."""
    raw = np.frombuffer(data, np.uint8)
    is_space = np.isin(raw, _WHITESPACE)
    # a token starts at a non-space byte that follows a space (or the start of the file)
    starts = np.flatnonzero(~is_space & np.concatenate([[True], is_space[:-1]]))
    line_of_byte = np.concatenate([[0], np.cumsum(raw[:-1] == ord("\n"))]) if raw.size else raw
    n_lines = int(line_of_byte[-1]) + 1 if raw.size else 0
    return np.bincount(line_of_byte[starts], minlength=n_lines)


def _line(data, number):
    """The text of line ``number`` (1-based) of ``data``, for an error message."""
    return data.split(b"\n")[number - 1].decode("utf-8", "replace").rstrip("\r")


def read_event_text(path, sensor_size=(128, 128)):
    """The events of a ``t x y p`` text file in file order: ``[N]`` EVENT_DTYPE.

    Raises FileNotFoundError for a missing file and DataError naming the file and the line for
    a line that is not four integers (a file cut short ends in such a line), or an event
    outside ``sensor_size`` (W, H) or with a polarity other than -1, 0, 1.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such event file")
    with open(path, "rb") as f:
        data = f.read()
    counts = _tokens_per_line(data)
    bad = np.flatnonzero((counts != 0) & (counts != len(COLUMNS)))
    if bad.size:
        number = int(bad[0]) + 1
        raise DataError(f"{path}, line {number}: expected four integers 't x y p', got "
                        f"{_line(data, number)!r}" + (" (the file ends there: truncated?)"
                                                      if number == len(counts) else ""))
    try:
        values = np.array(data.split(), dtype=np.int64).reshape(-1, len(COLUMNS))
    except (ValueError, OverflowError):
        for number, line in enumerate(data.split(b"\n"), start=1):   # only to name the line
            try:
                [int(v) for v in line.split()]
            except ValueError:
                raise DataError(f"{path}, line {number}: expected four integers 't x y p', "
                                f"got {_line(data, number)!r}") from None
        raise DataError(f"{path}: a number does not fit 64 bits") from None
    t, x, y, p = values.T
    width, height = sensor_size
    outside = (x < 0) | (x >= width) | (y < 0) | (y >= height) | (np.abs(p) > 1)
    if outside.any():
        row = int(np.flatnonzero(outside)[0])
        number = int(np.flatnonzero(counts)[row]) + 1
        raise DataError(f"{path}, line {number}: event {values[row].tolist()} lies outside the "
                        f"{width}x{height} sensor or has a polarity other than -1, 0, 1")
    return make_events(x=x, y=y, t=t, p=(p > 0).astype(np.int8))


def write_event_text(path, events):
    """Write events as a ``t x y p`` text file, atomically (for tests and conversions)."""
    check_events(events, "write_event_text")
    columns = np.stack([events[name].astype(np.int64) for name in COLUMNS], axis=1)
    with atomic_open(path, "w") as f:
        np.savetxt(f, columns, fmt="%d")
