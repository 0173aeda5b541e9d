"""Fuzzing what tinysnn reads from outside: checkpoints, AEDAT files, label files, event arrays,
run folders with planted links, nested JSON, recordings without events, options that do not apply.

Hypothesis crafts the input (metadata and arrays changed at random, files truncated or with
flipped bytes, headers and lines mangled, event values at the ends of their ranges). Every
outcome must be either a correct result, checked against what the input says, or one of
tinysnn's named errors (tinysnn.errors.TinysnnError: DataError, CheckpointError, ConfigError):
never a traceback from inside, never a silently wrong value.
"""

import json
import os
import types

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinysnn import bounded_json, optim
from tinysnn.app import cli
from tinysnn.app.report import load_metrics
from tinysnn.app.resume import read_run_checkpoint, restore
from tinysnn.app.run_folder import RUN_FILES, claim_run_folder
from tinysnn.app.train import TrainConfig, build_model, train, write_json
from tinysnn.data import (
    EVENT_DTYPE,
    DVS128Gait,
    ToFrames,
    events_to_frames,
    make_events,
    read_aedat31,
    write_event_text,
)
from tinysnn.data.aedat import write_aedat31
from tinysnn.data.dvs128 import GESTURE_CLASSES, read_gesture_labels
from tinysnn.data.events import MAX_FRAME_VALUES
from tinysnn.errors import TinysnnError

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


# ------------------------------------------------------------------------------ checkpoints
@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A real one-epoch run's checkpoint, and its settings."""
    root = tmp_path_factory.mktemp("fuzz-run")
    config = TrainConfig(T=2, epochs=1, batch_size=11, attention="TCSA", out=str(root / "run"),
                         progress=False, dataset_options={"samples_per_class": 1, "sensor": 16,
                                                          "cache": str(root / "cache")})
    train(config)
    with np.load(root / "run" / "checkpoint.npz", allow_pickle=False) as archive:
        contents = {name: archive[name] for name in archive.files}
    return types.SimpleNamespace(config=config, contents=contents, root=root)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=6)


def _paths(document, prefix=()):
    """Every key path into a JSON document (dicts and lists)."""
    yield prefix
    items = document.items() if isinstance(document, dict) else (
        enumerate(document) if isinstance(document, list) else ())
    for key, value in items:
        yield from _paths(value, (*prefix, key))


def _replace(document, path, value, delete):
    if not path:
        return value
    head, *rest = path
    copy = dict(document) if isinstance(document, dict) else list(document)
    if delete and not rest:
        del copy[head]
    else:
        copy[head] = _replace(copy[head], rest, value, delete)
    return copy


arrays_any = st.one_of(
    st.builds(lambda shape, fill, dtype: np.full(shape, fill).astype(dtype),
              st.lists(st.integers(0, 4), max_size=3).map(tuple),
              st.sampled_from([0.0, 1.0, -3.5, np.nan, np.inf, 1e38]),
              st.sampled_from([np.float32, np.float64, np.int64, np.int8, bool])),
    st.builds(lambda n: np.array(["x"] * n), st.integers(0, 3)))


@st.composite
def crafted_checkpoints(draw, contents):
    """The run's checkpoint contents with its metadata, arrays or bytes changed."""
    contents = dict(contents)
    kind = draw(st.sampled_from(["meta", "meta", "array", "drop", "add", "bytes"]))
    if kind == "meta":
        meta = json.loads(str(contents["meta.json"]))
        path = draw(st.sampled_from(list(_paths(meta))))
        delete = bool(path) and draw(st.booleans())
        meta = _replace(meta, path, draw(json_values), delete)
        contents["meta.json"] = np.array(json.dumps(meta))
    elif kind == "array":
        name = draw(st.sampled_from(sorted(k for k in contents if k != "meta.json")))
        contents[name] = draw(arrays_any)
    elif kind == "drop":
        contents.pop(draw(st.sampled_from(sorted(contents))))
    elif kind == "add":
        contents[draw(st.sampled_from(["model/", "optim/", "optim/state.", "x"]))
                 + draw(st.text("abc.0123", max_size=8))] = draw(arrays_any)
    return contents, (kind, draw(st.integers(0, 10**9)), draw(st.integers(0, 255)))


def fresh_run_objects(config):
    """What train() builds before it restores: model, optimizer, schedule, transform."""
    data = types.SimpleNamespace(frame_shape=(2, 16, 16), num_classes=len(GESTURE_CLASSES))
    model = build_model(config, data)
    optimizer = optim.Adam(model.parameters(), lr=config.lr)
    scheduler = optim.CosineAnnealingLR(optimizer, T_max=config.epochs)
    return model, optimizer, scheduler, ToFrames(T=config.T, sensor_size=16)


@FUZZ
@given(data=st.data())
def test_crafted_checkpoints_load_correctly_or_are_refused_by_name(run, tmp_path, data):
    contents, (kind, position, byte) = data.draw(crafted_checkpoints(run.contents))
    path = tmp_path / "crafted.npz"
    np.savez(path, **contents)
    if kind == "bytes":                              # truncate, or flip one byte
        raw = bytearray(path.read_bytes())
        at = position % len(raw)
        raw = raw[:at] if byte % 2 else raw[:at] + bytes([raw[at] ^ (byte | 1)]) + raw[at + 1:]
        path.write_bytes(bytes(raw))
    config = TrainConfig(**{**run.config.__dict__, "epochs": 3, "resume": str(path)})
    model, optimizer, scheduler, transform = fresh_run_objects(config)
    try:
        checkpoint = read_run_checkpoint(str(path))
        history, first = restore(checkpoint, config, model, optimizer, scheduler, transform)
    except TinysnnError:
        return                                       # refused, by name
    # accepted: everything restored is what the file holds, and it is usable
    assert first == checkpoint.epoch + 1 and len(history) == checkpoint.epoch
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, checkpoint.model_state[name].astype(array.dtype))
    assert np.isfinite(optimizer.lr) and scheduler.epoch == checkpoint.epoch
    assert all(np.isfinite(v).all() for slots in optimizer.state.values()
               for v in slots.values())


# ------------------------------------------------------------------------------------ AEDAT
@st.composite
def event_streams(draw):
    n = draw(st.integers(0, 40))
    t = np.sort(np.array(draw(st.lists(st.integers(0, 2**33), min_size=n, max_size=n)),
                         np.int64))
    xy = st.lists(st.integers(0, 127), min_size=n, max_size=n)
    return make_events(draw(xy), draw(xy), t, draw(st.lists(st.integers(0, 1), min_size=n,
                                                           max_size=n)))


@FUZZ
@given(events=event_streams(), per_packet=st.integers(1, 16), data=st.data())
def test_damaged_aedat_files_read_correctly_or_raise_data_error(tmp_path, events, per_packet,
                                                                data):
    path = tmp_path / "recording.aedat"
    write_aedat31(path, events, events_per_packet=per_packet)
    raw = bytearray(path.read_bytes())
    damage = data.draw(st.sampled_from(["none", "truncate", "flip", "header", "garbage"]))
    if damage == "truncate":
        raw = raw[:data.draw(st.integers(0, len(raw)))]
    elif damage == "flip":
        for _ in range(data.draw(st.integers(1, 4))):
            at = data.draw(st.integers(0, len(raw) - 1))
            raw[at] ^= data.draw(st.integers(1, 255))
    elif damage == "header":
        header_end = raw.find(b"#!END-HEADER")
        raw[:header_end] = data.draw(st.sampled_from(
            [b"", b"#!AER-DAT2.0\r\n", b"#!AER-DAT3.1", b"#!AER-DAT3.1\r\n# no end\r\n",
             b"\xff\xfe#!AER-DAT3.1\r\n"]))
    elif damage == "garbage":
        raw += data.draw(st.binary(min_size=1, max_size=64))
    path.write_bytes(bytes(raw))
    try:
        got = read_aedat31(path)
    except TinysnnError as err:
        assert "recording.aedat" in str(err)         # the message names the file
        return
    assert got.dtype == EVENT_DTYPE
    if len(got):
        assert got["x"].min() >= 0 and got["x"].max() < 2**15
        assert got["y"].min() >= 0 and got["y"].max() < 2**15
        assert set(np.unique(got["p"])) <= {0, 1}
    if damage == "none":
        np.testing.assert_array_equal(got, events)


# ----------------------------------------------------------------------------- label files
label_rows = st.lists(st.tuples(st.integers(1, 11), st.integers(0, 10**12),
                                st.integers(1, 10**6)), max_size=6)
junk_lines = st.sampled_from(["", "   ", "1.0,0,100", "1;0;100", "12,0,5", "1,5,5", "a,b",
                              "1,2", "1,2,3,4", "-1,0,9", "10000000000000000000000,0,1",
                              "1,0,99999999999999999999", "class,start,end", "\x00", "１,0,5"])


@FUZZ
@given(rows=label_rows, header=st.booleans(), bom=st.booleans(),
       newline=st.sampled_from(["\n", "\r\n"]), blank=st.booleans())
def test_well_formed_label_files_give_exactly_their_rows(tmp_path, rows, header, bom, newline,
                                                         blank):
    lines = (["class,startTime_usec,endTime_usec"] if header else []) + [
        f"{c},{s},{s + d}" for c, s, d in rows]
    if blank:
        lines.insert(len(lines) // 2, "")
    path = tmp_path / "user01_labels.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + newline.join(lines).encode())
    expected = np.array([(c - 1, s, s + d) for c, s, d in rows], np.int64).reshape(-1, 3)
    np.testing.assert_array_equal(read_gesture_labels(path), expected)


@FUZZ
@given(lines=st.lists(st.one_of(junk_lines, label_rows.map(
    lambda rows: "\n".join(f"{c},{s},{s + d}" for c, s, d in rows))), max_size=6),
       noise=st.binary(max_size=12), cut=st.integers(0, 400))
def test_mangled_label_files_give_valid_rows_or_a_data_error(tmp_path, lines, noise, cut):
    path = tmp_path / "user01_labels.csv"
    path.write_bytes(("\n".join(lines).encode() + noise)[:cut])
    try:
        rows = read_gesture_labels(path)
    except TinysnnError as err:
        assert "user01_labels.csv" in str(err)
        return
    assert rows.dtype == np.int64 and rows.ndim == 2 and rows.shape[1] == 3
    assert ((rows[:, 0] >= 0) & (rows[:, 0] < 11)).all()
    assert ((rows[:, 1] >= 0) & (rows[:, 1] < rows[:, 2]) & (rows[:, 2] < 2**62)).all()


# ------------------------------------------------------------------------- events to frames
INT64 = np.iinfo(np.int64)
times = st.one_of(st.integers(INT64.min, INT64.max), st.integers(-10, 10),
                  st.sampled_from([INT64.min, INT64.max, 2**60, -(2**60), 2**62]))


@st.composite
def frame_problems(draw):
    n = draw(st.integers(0, 12))
    t = draw(st.lists(times, min_size=n, max_size=n))
    x = draw(st.lists(st.integers(-2, 9), min_size=n, max_size=n))
    y = draw(st.lists(st.integers(0, 7), min_size=n, max_size=n))
    p = draw(st.lists(st.integers(-128, 127), min_size=n, max_size=n))
    T = draw(st.none() | st.integers(1, 6))
    bin_us = draw(st.none() | st.integers(1, 2**40)) if T is not None else draw(
        st.integers(1, 2**62))
    window = {}
    if draw(st.booleans()):
        start = draw(times)
        window = {"t_start": start}
        if draw(st.booleans()) and start < INT64.max:
            window["t_end"] = draw(st.integers(start + 1, INT64.max))
    return make_events(x, y, t, p), T, bin_us, window


def frames_by_python_integers(events, T, bin_us, t_start=None, t_end=None, width=8, height=8):
    """The specification with exact integers: (frames, or None when a bin count overflows)."""
    t = [int(v) for v in events["t"]]
    t0 = t_start if t_start is not None else (min(t) if t else 0)
    if t_end is not None:
        t1 = t_end
    elif T is not None and bin_us is not None:
        t1 = t0 + T * bin_us
    else:
        t1 = max(t) + 1 if t else t0 + 1
    n_bins = T if T is not None else -(-(t1 - t0) // bin_us)
    if n_bins * 2 * height * width > MAX_FRAME_VALUES:
        return None, (t1 - t0, n_bins)
    frames = np.zeros((n_bins, 2, height, width), np.float32)
    for e, time in zip(events, t):
        if t0 <= time < t1:
            b = (time - t0) * n_bins // (t1 - t0) if bin_us is None else (time - t0) // bin_us
            if b < n_bins:
                frames[b, int(e["p"] > 0), e["y"], e["x"]] += 1
    return frames, (t1 - t0, n_bins)


@FUZZ
@given(frame_problems())
def test_events_to_frames_counts_exactly_or_refuses_by_name(problem):
    events, T, bin_us, window = problem
    inside = len(events) == 0 or (events["x"].min() >= 0 and events["x"].max() < 8)
    try:
        got = events_to_frames(events, T, (8, 8), bin_us=bin_us, **window)
    except TinysnnError as err:
        # a refusal must be deserved: events off the sensor, or arithmetic past int64
        if inside:
            expected, (span, n_bins) = frames_by_python_integers(events, T, bin_us, **window)
            assert expected is None or span >= 2**63 or (bin_us is None
                                                         and span * n_bins >= 2**63), err
        return
    except ValueError as err:                   # only an empty window is a plain ValueError
        assert "empty time window" in str(err)
        return
    assert inside
    expected, _ = frames_by_python_integers(events, T, bin_us, **window)
    np.testing.assert_array_equal(got, expected)


@given(st.lists(st.integers(-(2**70), 2**70), min_size=1, max_size=4),
       st.sampled_from("xytp"))
def test_make_events_keeps_or_refuses_never_wraps(values, field):
    columns = {name: [0] * len(values) for name in "xytp"} | {field: values}
    try:
        events = make_events(**columns)
    except TinysnnError:
        limits = np.iinfo(EVENT_DTYPE[field])
        assert any(not limits.min <= v <= limits.max for v in values)
        return
    assert [int(v) for v in events[field]] == values


# ------------------------------------------------------- run folders with planted links
@FUZZ
@given(plants=st.dictionaries(st.sampled_from([".tinysnn-lock", *RUN_FILES]),
                              st.sampled_from(["link", "dangling", "hard link", "folder link"]),
                              max_size=3))
def test_links_planted_in_a_run_folder_are_never_written_through(tmp_path_factory, plants):
    root = tmp_path_factory.mktemp("links")
    folder, outside = root / "run", root / "outside"
    folder.mkdir(), outside.mkdir()
    for name, kind in plants.items():
        target = outside / name
        if kind in ("link", "hard link"):
            target.write_text("precious")
        elif kind == "folder link":
            target.mkdir()
        (os.link if kind == "hard link" else os.symlink)(target, folder / name)
    before = sorted((p.name, p.read_text() if p.is_file() else None) for p in outside.iterdir())
    try:
        with claim_run_folder(str(folder), overwrite=True):      # what a run writes
            np.savez(folder / "new.npz", a=np.ones(1))
            os.replace(folder / "new.npz", folder / "checkpoint.npz")
            write_json(str(folder / "metrics.json"), {"done": True})
    except TinysnnError as err:
        assert ".tinysnn-lock" in plants and ".tinysnn-lock" in str(err)
    after = sorted((p.name, p.read_text() if p.is_file() else None) for p in outside.iterdir())
    assert after == before


# ------------------------------------------------------------------------- nested JSON
@FUZZ
@given(opens=st.lists(st.sampled_from(["[", "{\"k\": ", "[\"]]\", "]), min_size=0, max_size=120),
       closed=st.booleans())
def test_nested_json_loads_as_json_does_or_is_refused_by_its_depth(tmp_path_factory, opens,
                                                                  closed):
    closers = "".join("]" if o.startswith("[") else "}" for o in reversed(opens))
    text = "".join(opens) + "1" + (closers if closed else closers[:len(closers) // 2])
    depth = len(opens)
    try:
        loaded = bounded_json.loads(text)
    except ValueError as err:
        assert (depth > bounded_json.MAX_DEPTH and f"nested {depth} levels" in str(err)) \
            or not closed or isinstance(err, json.JSONDecodeError)
        return
    assert loaded == json.loads(text) and depth <= bounded_json.MAX_DEPTH
    folder = tmp_path_factory.mktemp("metrics")
    (folder / "metrics.json").write_text(text)
    with pytest.raises(TinysnnError, match="metrics.json"):     # a number is not a run's metrics
        load_metrics(str(folder))


# ------------------------------------------------------------- recordings without events
@FUZZ
@given(lines=st.lists(st.sampled_from(["", "   ", "\r", "1 2 3 1", "0 0 0 0"]), max_size=6))
def test_a_gait_recording_gives_its_events_or_is_refused_when_it_has_none(tmp_path_factory,
                                                                          lines):
    root = tmp_path_factory.mktemp("gait")
    (root / "train" / "3").mkdir(parents=True)
    (root / "train" / "3" / "a.txt").write_text("\n".join(lines))
    expected = sum(1 for line in lines if line.strip())
    try:
        events, label = DVS128Gait(root, cache_dir=False)[0]
    except TinysnnError as err:
        assert expected == 0 and "a.txt holds no events" in str(err)
        return
    assert label == 3 and len(events) == expected > 0
    write_event_text(root / "copy.txt", events)                 # and it round-trips


# --------------------------------------------------------------- options that do not apply
OPTION_VALUES = {"--framing": "whole", "--bin-us": "500", "--clips": "2",
                 "--samples-per-class": "2", "--test-samples-per-class": "2", "--level": "hard",
                 "--plateau-factor": "0.5", "--plateau-patience": "2"}


def reads_option(option, dataset, scheduler, framing):
    """Whether a run reads ``option``, written out by hand (not from the table under test)."""
    if option in ("--plateau-factor", "--plateau-patience"):
        return scheduler == "plateau"
    if option in ("--samples-per-class", "--test-samples-per-class", "--level"):
        return dataset == "synthetic-gestures"
    events = dataset in ("dvs128", "dvs128-gait", "cifar10dvs")
    return events and (option == "--framing" or framing == "paper")


@FUZZ
@given(dataset=st.sampled_from(["synthetic-gestures", "digits", "dvs128", "dvs128-gait",
                                "cifar10dvs"]),
       scheduler=st.sampled_from([None, "cosine", "plateau", "none"]),
       preset=st.sampled_from([None, "paper-gesture"]),
       options=st.lists(st.sampled_from(sorted(OPTION_VALUES)), unique=True, max_size=3))
def test_options_are_refused_exactly_when_the_run_would_not_read_them(tmp_path, dataset,
                                                                      scheduler, preset, options):
    argv = ["train", "--dataset", dataset, *sum(([o, OPTION_VALUES[o]] for o in options), [])]
    argv += ["--scheduler", scheduler] if scheduler else []
    argv += ["--preset", preset] if preset else []
    argv += ["--data-dir", str(tmp_path)] if dataset not in ("synthetic-gestures", "digits") \
        else []
    effective = scheduler or ("plateau" if preset else "cosine")
    framing = "whole" if "--framing" in options else "paper"
    unread = [o for o in options if not reads_option(o, dataset, effective, framing)]
    try:
        cli._config_from(cli.parser().parse_args(argv))
    except TinysnnError as err:
        assert unread and str(err).split(" ")[0] in unread, (argv, err)
        return
    assert not unread, argv
