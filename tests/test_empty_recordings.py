"""A recording with no usable events is refused where the user meets it (``train``), naming the
file and the gesture, instead of training on empty frames and exiting 0."""

import numpy as np
import pytest
from test_data_aedat import LABELS, random_events, write_gesture_folder

from tinysnn.app.cli import main
from tinysnn.data.aedat import (
    POLARITY_EVENT,
    POLARITY_RECORD,
    aedat31_header,
    encode_packet,
    encode_polarity_events,
    write_aedat31,
)
from tinysnn.data.aedat2 import aedat2_header, write_aedat2
from tinysnn.data.cifar10dvs import CIFAR10_CLASSES
from tinysnn.data.event_text import write_event_text

#: a batch larger than any split here: every recording is read before the network runs
QUICK = ["--epochs", "1", "--T", "2", "--batch-size", "256", "--no-progress"]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYSNN_CACHE", str(tmp_path / "cache"))


def refusal(capsys, tmp_path, dataset, root):
    out = tmp_path / "run"
    code = main(["train", "--dataset", dataset, "--data-dir", str(root), "--out", str(out),
                 *QUICK])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err, err
    assert not out.exists()                     # a refused run leaves no folder behind
    return err


def _negative_timestamps(path, events):
    """Events whose timestamps, with the packet's overflow of 0, are all negative."""
    record = encode_polarity_events(events)
    record["timestamp"] = -1 - record["timestamp"]
    path.write_bytes(aedat31_header() + encode_packet(POLARITY_EVENT, POLARITY_RECORD.itemsize,
                                                      record.tobytes()))


@pytest.mark.parametrize("fault", ["negative timestamps", "labels past the end",
                                   "no valid event"])
def test_a_dvs128_gesture_without_events_is_named(tmp_path, capsys, fault):
    root = tmp_path / "DvsGesture"
    streams = write_gesture_folder(root)
    name = "user02_led"
    recording, labels = root / f"{name}.aedat", root / f"{name}_labels.csv"
    if fault == "negative timestamps":
        _negative_timestamps(recording, streams[name])
    elif fault == "labels past the end":
        labels.write_text("class,startTime_usec,endTime_usec\n5,9000000,9500000\n")
    else:
        write_aedat31(recording, streams[name], valid=np.zeros(len(streams[name]), bool))
    err = refusal(capsys, tmp_path, "dvs128", root)
    c, start, end = (5, 9_000_000, 9_500_000) if fault == "labels past the end" else \
        LABELS[name][0]
    assert f"{recording}: gesture 1 of {labels} (class {c}, {start}..{end} us) holds no events" \
        in err


def test_an_empty_gait_recording_is_named(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for split in ("train", "test"):
        for label in (0, 1):
            (tmp_path / "gait" / split / str(label)).mkdir(parents=True)
            write_event_text(tmp_path / "gait" / split / str(label) / "a.txt",
                             random_events(rng, 50, t_max=4_000_000))
    empty = tmp_path / "gait" / "train" / "1" / "b.txt"
    empty.write_text("")
    err = refusal(capsys, tmp_path, "dvs128-gait", tmp_path / "gait")
    assert f"DVS128Gait: {empty} holds no events" in err


def test_a_cifar10dvs_recording_of_only_its_header_is_named(tmp_path, capsys):
    rng = np.random.default_rng(1)
    root = tmp_path / "cifar"
    for name in CIFAR10_CLASSES:
        (root / name).mkdir(parents=True)
        for i in range(10):
            write_aedat2(root / name / f"cifar10_{name}_{i}.aedat",
                         random_events(rng, 30, t_max=300_000))
    header_only = root / "cat" / "cifar10_cat_4.aedat"
    header_only.write_bytes(aedat2_header())
    err = refusal(capsys, tmp_path, "cifar10dvs", root)
    assert f"CIFAR10DVS: {header_only} holds no events, only its header" in err
