"""DataLoader batching and shuffling, and the rate-coded Digits set."""

import sys

import numpy as np
import pytest

from tinysnn.data import DataLoader, Digits, SyntheticGestures, ToFrames


class Frames:
    """A tiny data set: item i is frames [T=3, 2, 4, 4] filled with i, label i % 5."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full((3, 2, 4, 4), i, np.float64), i % 5


def test_batches_are_time_major_float32_with_int64_labels():
    x, y = next(iter(DataLoader(Frames(10), batch_size=4)))
    assert x.shape == (3, 4, 2, 4, 4) and x.dtype == np.float32
    assert y.dtype == np.int64 and list(y) == [0, 1, 2, 3]
    np.testing.assert_array_equal(x[:, :, 0, 0, 0], np.tile([0, 1, 2, 3], (3, 1)))


@pytest.mark.parametrize("n, batch, drop_last, sizes", [
    (10, 4, False, [4, 4, 2]), (10, 4, True, [4, 4]), (8, 4, True, [4, 4]), (3, 5, False, [3]),
    (3, 5, True, []),
])
def test_length_and_last_batch(n, batch, drop_last, sizes):
    loader = DataLoader(Frames(n), batch_size=batch, drop_last=drop_last)
    assert len(loader) == len(sizes)
    assert [len(y) for _, y in loader] == sizes


def items_of(loader):
    return [int(v) for x, _ in loader for v in x[0, :, 0, 0, 0]]


def test_shuffling_is_seeded_new_each_epoch_and_covers_every_item():
    loader = DataLoader(Frames(23), batch_size=5, shuffle=True, seed=1)
    epoch0, epoch1 = items_of(loader), items_of(loader)
    assert sorted(epoch0) == sorted(epoch1) == list(range(23))
    assert epoch0 != epoch1 and epoch0 != list(range(23))
    replay = DataLoader(Frames(23), batch_size=5, shuffle=True, seed=1)
    assert items_of(replay) == epoch0 and items_of(replay) == epoch1
    replay.set_epoch(1)
    assert items_of(replay) == epoch1                         # resume at a given epoch
    assert items_of(DataLoader(Frames(23), batch_size=5, shuffle=True, seed=2)) != epoch0
    assert items_of(DataLoader(Frames(23), batch_size=5)) == list(range(23))


def test_raw_events_need_a_transform(tmp_path):
    data = SyntheticGestures(root=tmp_path, n_per_class=1, sensor=8, duration_us=50_000, steps=16)
    with pytest.raises(TypeError, match="raw events.*ToFrames"):
        next(iter(DataLoader(data, batch_size=2)))
    data.transform = ToFrames(T=4, sensor_size=8)
    x, _y = next(iter(DataLoader(data, batch_size=2)))
    assert x.shape == (4, 2, 2, 8, 8)


def test_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(Frames(3), batch_size=0)


def test_digits_frames_are_seeded_binary_spikes():
    pytest.importorskip("sklearn")
    train, test = Digits(train=True, T=5, seed=0), Digits(train=False, T=5, seed=0)
    assert len(train) + len(test) == 1797 and len(test) == 359
    frames, label = train[3]
    assert frames.shape == (5, 1, 8, 8) and frames.dtype == np.float32 and 0 <= label <= 9
    assert set(np.unique(frames)) <= {0.0, 1.0}
    np.testing.assert_array_equal(Digits(train=True, T=5, seed=0)[3][0], frames)
    assert not np.array_equal(Digits(train=True, T=5, seed=1)[3][0], frames)
    assert train.classes == [str(d) for d in range(10)]
    x, _y = next(iter(DataLoader(train, batch_size=7)))
    assert x.shape == (5, 7, 1, 8, 8)


def test_digits_spike_rate_follows_the_ink():
    pytest.importorskip("sklearn")
    data = Digits(train=False, T=400, max_rate=0.5)
    frames, _ = data[0]
    rate = frames.mean(axis=0)                                # [1, 8, 8]
    # each rate is a mean of 400 Bernoulli draws: standard error <= 0.025
    np.testing.assert_allclose(rate, data.rates[0], atol=0.11)
    assert rate[data.rates[0] == 0].sum() == 0                 # no ink, no spikes


def test_digits_without_scikit_learn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install tinysnn\[digits\]"):
        Digits()
