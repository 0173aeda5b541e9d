"""AEDAT 3.1 files (the format of DVS128 Gesture): read polarity events, write test files.

Layout of a file:
  - ASCII header lines, each starting with '#', the first ``#!AER-DAT3.1``, the last
    ``#!END-HEADER``, each ending with CR LF;
  - then packets until the end of the file. A packet is a 28-byte little-endian header
        int16 eventType, int16 eventSource, int32 eventSize, int32 eventTSOffset,
        int32 eventTSOverflow, int32 eventCapacity, int32 eventNumber, int32 eventValid
    followed by eventCapacity * eventSize bytes of events.
  - Polarity events (eventType 1) take 8 bytes: a uint32 address with x in bits 17-31,
    y in bits 2-16, polarity in bit 1, validity in bit 0, then an int32 timestamp in
    microseconds; the full time is ``timestamp + (eventTSOverflow << 31)``.
Other packet types (special, frame, IMU, ...) are skipped; events with the validity bit 0 are
dropped. x and y are kept as the camera wrote them (no flip).
"""

import os
import struct

import numpy as np

from ..atomic import atomic_open
from .errors import DataError
from .events import EVENT_DTYPE, check_events, make_events

MAGIC = b"#!AER-DAT3.1"
END_OF_HEADER = b"#!END-HEADER"
PACKET_HEADER = struct.Struct("<hhiiiiii")       # 28 bytes, fields as in the module docstring
POLARITY_EVENT = 1
POLARITY_RECORD = np.dtype([("address", "<u4"), ("timestamp", "<i4")])


def _skip_header(data, path):
    """Byte offset of the first packet; checks the version line and the end-of-header line."""
    first = data[: data.find(b"\n") + 1 or len(data)].rstrip(b"\r\n")
    if first != MAGIC:
        raise DataError(f"{path}: not an AEDAT 3.1 file: first line is {first[:40]!r}, "
                        f"expected {MAGIC.decode()!r}")
    pos = 0
    while pos < len(data) and data[pos:pos + 1] == b"#":
        end = data.find(b"\n", pos)
        if end < 0:
            break
        line, pos = data[pos:end].rstrip(b"\r"), end + 1
        if line == END_OF_HEADER:
            return pos
    raise DataError(f"{path}: bad AEDAT 3.1 header: no {END_OF_HEADER.decode()!r} line "
                    f"before byte {pos}")


def read_aedat31(path):
    """The valid polarity events of an AEDAT 3.1 file, in file order: ``[N]`` EVENT_DTYPE.

    Raises FileNotFoundError for a missing file and DataError (naming the file and the byte
    offset) for a bad header or a truncated or malformed packet.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such AEDAT file")
    with open(path, "rb") as f:
        data = f.read()
    pos = _skip_header(data, path)
    records, overflows = [], []
    while pos < len(data):          # one iteration per packet; events are decoded by NumPy
        if len(data) - pos < PACKET_HEADER.size:
            raise DataError(f"{path}: truncated file: {len(data) - pos} bytes at byte {pos}, "
                            f"too few for a {PACKET_HEADER.size}-byte packet header")
        kind, _, size, _, overflow, capacity, number, _ = PACKET_HEADER.unpack_from(data, pos)
        if size <= 0 or capacity < 0 or not 0 <= number <= capacity:
            raise DataError(f"{path}: malformed packet header at byte {pos}: eventSize {size}, "
                            f"eventCapacity {capacity}, eventNumber {number}")
        body, end = pos + PACKET_HEADER.size, pos + PACKET_HEADER.size + capacity * size
        if end > len(data):
            raise DataError(f"{path}: truncated file: the packet at byte {pos} needs "
                            f"{capacity} x {size} bytes of events, only {len(data) - body} remain")
        if kind == POLARITY_EVENT:
            if size != POLARITY_RECORD.itemsize:
                raise DataError(f"{path}: polarity packet at byte {pos} has eventSize {size}, "
                                f"expected {POLARITY_RECORD.itemsize}")
            records.append(np.frombuffer(data, POLARITY_RECORD, count=number, offset=body))
            overflows.append(np.full(number, overflow, dtype=np.int64))
        pos = end
    if not records:
        return np.empty(0, dtype=EVENT_DTYPE)
    record = np.concatenate(records)
    address = record["address"]
    valid = (address & 1).astype(bool)
    t = record["timestamp"].astype(np.int64) + (np.concatenate(overflows) << 31)
    return make_events(x=(address >> 17) & 0x7FFF, y=(address >> 2) & 0x7FFF,
                       t=t, p=(address >> 1) & 1)[valid]


def encode_packet(event_type, event_size, payload, ts_offset=4, ts_overflow=0,
                  number=None, valid=None, source=1):
    """One packet as bytes: the 28-byte header, then ``payload`` (capacity x size bytes)."""
    if len(payload) % event_size:
        raise ValueError(f"encode_packet: payload of {len(payload)} bytes is not a whole "
                         f"number of {event_size}-byte events")
    capacity = len(payload) // event_size
    number = capacity if number is None else number
    valid = number if valid is None else valid
    return PACKET_HEADER.pack(event_type, source, event_size, ts_offset, ts_overflow,
                              capacity, number, valid) + bytes(payload)


def encode_polarity_events(events, valid=None):
    """Polarity records ``[N]`` (address, timestamp) of events; ``valid``: [N] bool or None."""
    check_events(events, "encode_polarity_events")
    x, y = events["x"].astype(np.uint32), events["y"].astype(np.uint32)
    if len(events) and (x.max() > 0x7FFF or y.max() > 0x7FFF or events["t"].min() < 0):
        raise ValueError("encode_polarity_events: x and y must fit 15 bits and t be >= 0")
    flag = np.ones(len(events), np.uint32) if valid is None else np.asarray(valid, np.uint32)
    record = np.empty(len(events), POLARITY_RECORD)
    record["address"] = (x << 17) | (y << 2) | ((events["p"] > 0).astype(np.uint32) << 1) | flag
    record["timestamp"] = (events["t"] & 0x7FFFFFFF).astype(np.int32)
    return record


def aedat31_header(source="DVS128"):
    """The ASCII header of an AEDAT 3.1 file, as bytes."""
    lines = [MAGIC, b"#Format: RAW", f"#Source 1: {source}".encode(), END_OF_HEADER]
    return b"".join(line + b"\r\n" for line in lines)


def write_aedat31(path, events, valid=None, events_per_packet=4096):
    """Write events (sorted by t) as an AEDAT 3.1 file of polarity packets.

    A packet never spans two timestamp overflows (t >> 31). ``valid`` ([N] bool) marks events
    whose validity bit is set; by default all are valid. The file is written atomically.
    """
    check_events(events, "write_aedat31")
    record = encode_polarity_events(events, valid)
    overflow = events["t"].astype(np.int64) >> 31
    cuts = np.flatnonzero(np.diff(overflow)) + 1
    starts = np.union1d(cuts, np.arange(0, len(events), events_per_packet)).astype(int)
    chunks = [aedat31_header()]
    for start, stop in zip(starts, list(starts[1:]) + [len(events)]):
        part = record[start:stop]
        n_valid = int((part["address"] & 1).sum())
        chunks.append(encode_packet(POLARITY_EVENT, POLARITY_RECORD.itemsize, part.tobytes(),
                                    ts_overflow=int(overflow[start]), valid=n_valid))
    with atomic_open(path) as f:
        f.write(b"".join(chunks))
