"""AEDAT 2.0 files (jAER's format, that of CIFAR10-DVS): read DVS128 events, write test files.

Layout of a file:
  - ASCII header lines, each starting with '#' and ending with CR LF, the first ``#!AER-DAT2.0``
    (jAER's writers add comments such as ``# Timestamps tick is 1 us``); there is no
    end-of-header line: the events start at the first byte after the last '#' line;
  - then 8 bytes per event, **big-endian**: a uint32 address, then a uint32 timestamp in
    microseconds.
  - A DVS128 address holds the polarity in bit 0 (0 = ON, 1 = OFF), the column in bits 1-7 and
    the row in bits 8-14; the other bits are not used by polarity events and are ignored.

Orientation: ``x = 127 - column bits``, ``y = row bits``, ``p = 1 - bit 0`` (1 = ON). This is how
jAER itself decodes a DVS128, and how the official MATLAB reader ``dat2mat.m`` does, through
which the MA-SNN authors read CIFAR10-DVS (apart from its 1-based coordinates and +-1 polarity).
Other readers differ (recent libcaer flips y as well; spikingjelly transposes and flips both
axes); for a network trained from scratch on one convention it makes no difference.

Timestamps that jump back by more than 2^31 wrapped around the 32-bit counter: from there on
they are counted 2^32 higher, so times stay increasing across a wrap.
"""

import os

import numpy as np

from ..atomic import atomic_open
from .errors import DataError
from .events import check_events, make_events

MAGIC = b"#!AER-DAT2.0"
EVENT_RECORD = np.dtype([("address", ">u4"), ("timestamp", ">u4")])   # 8 bytes, big-endian
SENSOR_SIDE = 128


def _skip_header(data, path):
    """Byte offset of the first event; checks the version line.

    A header line starts with '#' and ends with LF. (An event whose address began with the
    byte 0x23 would look like one more header line; DVS128 addresses never do: their top byte
    is 0.)
    """
    first = data[: data.find(b"\n") + 1 or len(data)].rstrip(b"\r\n")
    if first != MAGIC:
        raise DataError(f"{path}: not an AEDAT 2.0 file: first line is {first[:40]!r}, "
                        f"expected {MAGIC.decode()!r}")
    pos = 0
    while data[pos:pos + 1] == b"#":
        end = data.find(b"\n", pos)
        if end < 0:
            raise DataError(f"{path}: truncated header: the line at byte {pos} has no end")
        pos = end + 1
    return pos


def decode_dvs128(address):
    """(x, y, p) of DVS128 addresses ``[N]`` uint32, by the convention in the module docstring."""
    x = (SENSOR_SIDE - 1) - ((address >> 1) & 0x7F)
    y = (address >> 8) & 0x7F
    p = 1 - (address & 1)
    return x, y, p


def unwrap_timestamps(timestamps):
    """uint32 timestamps ``[N]`` -> int64 microseconds, 2^32 added after every wrap-around."""
    t = timestamps.astype(np.int64)
    wraps = np.concatenate([[0], np.cumsum(np.diff(t) < -(2 ** 31))])
    return t + (wraps << 32)


def read_aedat2(path):
    """The events of an AEDAT 2.0 file of a DVS128, in file order: ``[N]`` EVENT_DTYPE.

    Raises FileNotFoundError for a missing file and DataError (naming the file) for a bad
    header or a truncated event block.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such AEDAT file")
    with open(path, "rb") as f:
        data = f.read()
    start = _skip_header(data, path)
    size = len(data) - start
    if size % EVENT_RECORD.itemsize:
        raise DataError(f"{path}: truncated file: {size} bytes of events after the header at "
                        f"byte {start} are not a whole number of {EVENT_RECORD.itemsize}-byte "
                        f"events (address, timestamp)")
    record = np.frombuffer(data, EVENT_RECORD, offset=start)
    x, y, p = decode_dvs128(record["address"].astype(np.uint32))
    return make_events(x=x, y=y, t=unwrap_timestamps(record["timestamp"]), p=p)


def aedat2_header():
    """The ASCII header jAER writes in front of the events, as bytes."""
    lines = [MAGIC, b"# This is a raw AE data file - do not edit",
             b"# Data format is int32 address, int32 timestamp (8 bytes total), "
             b"repeated for each event", b"# Timestamps tick is 1 us"]
    return b"".join(line + b"\r\n" for line in lines)


def encode_dvs128(events):
    """Big-endian records ``[N]`` (address, timestamp) of DVS128 events: decode_dvs128's inverse.

    Timestamps are written modulo 2^32, as the camera's counter wraps.
    """
    check_events(events, "encode_dvs128")
    x, y = events["x"].astype(np.int64), events["y"].astype(np.int64)
    if len(events) and (x.min() < 0 or y.min() < 0 or max(x.max(), y.max()) >= SENSOR_SIDE
                        or events["t"].min() < 0):
        raise ValueError(f"encode_dvs128: x and y must lie in 0..{SENSOR_SIDE - 1} and t be >= 0")
    off = (events["p"] <= 0).astype(np.int64)
    record = np.empty(len(events), EVENT_RECORD)
    record["address"] = (((SENSOR_SIDE - 1) - x) << 1) | (y << 8) | off
    record["timestamp"] = events["t"].astype(np.int64) & 0xFFFFFFFF
    return record


def write_aedat2(path, events):
    """Write DVS128 events as an AEDAT 2.0 file (atomically), in the order given."""
    with atomic_open(path) as f:
        f.write(aedat2_header() + encode_dvs128(events).tobytes())
