"""Grades notebook 04's exercises (tutorials/exercises/ex04_encoding.py): tasks 4.1 to 4.5."""

import numpy as np
from compare import call
from grading import load
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinysnn as ts
import tinysnn.functional as F
from tinysnn import Tensor, nn, optim
from tinysnn.data import DataLoader

ex = load("ex04_encoding")


def _spike_array(name, spikes, shape):
    spikes = np.asarray(spikes)
    assert spikes.shape == shape, f"{name} has shape {spikes.shape}, expected {shape}"
    assert spikes.dtype == np.float32, f"{name} has dtype {spikes.dtype}, expected float32"
    assert np.isin(spikes, (0.0, 1.0)).all(), f"{name} holds values other than 0 and 1"
    return spikes


# ------------------------------------------------------------------ Task 4.1: rate coding
def test_task_4_1_fires_at_the_intensity():
    intensity = np.array([[0.0, 0.1, 0.5], [0.9, 1.0, 0.25]])
    spikes = _spike_array("rate_encode(intensity [2, 3], T=4000)",
                          ex.rate_encode(intensity, 4000, np.random.default_rng(0)), (4000, 2, 3))
    rate = spikes.mean(axis=0)
    assert rate[0, 0] == 0 and rate[1, 1] == 1, (
        f"intensity 0 must never fire and 1 always; they fired at rates {rate[0, 0]}, {rate[1, 1]}")
    assert np.allclose(rate, intensity, atol=0.03), (
        f"over 4000 steps the firing rates are {rate.round(3).tolist()}, expected the "
        f"intensities {intensity.tolist()} (within 0.03)")


def test_task_4_1_is_random_across_steps_and_seeded():
    intensity = np.full(200, 0.5)
    a = ex.rate_encode(intensity, 50, np.random.default_rng(1))
    b = ex.rate_encode(intensity, 50, np.random.default_rng(1))
    assert np.array_equal(a, b), "the same seed must give the same spikes (use only rng)"
    a = np.asarray(a)
    assert not np.array_equal(a[0], a[1]), "every step must draw anew: steps 0 and 1 are equal"
    assert not np.array_equal(a[:, 0], a[:, 1]), "every value must draw its own spikes"
    together = (a[1:] * a[:-1]).mean()  # independent steps: P(spike at t and t+1) = 0.25
    assert abs(together - 0.25) < 0.03, (
        f"consecutive steps are not independent: both fire in {together:.3f} of the cases, "
        f"expected 0.25 at intensity 0.5")


@settings(max_examples=15)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, max_side=3), T=st.integers(1, 5))
def test_task_4_1_any_shape(shape, T):
    intensity = np.full(shape, 0.5)
    _spike_array(f"rate_encode(intensity of shape {shape}, T={T})",
                 call("rate_encode", ex.rate_encode, intensity, T, np.random.default_rng(0)),
                 (T, *shape))


# ------------------------------------------------------------------ Task 4.2: latency coding
def test_task_4_2_worked_example():
    spikes = _spike_array("latency_encode([1, 0.5, 0.3, 0.01, 0], T=10)",
                          ex.latency_encode(np.array([1.0, 0.5, 0.3, 0.01, 0.0]), 10), (10, 5))
    times = [np.flatnonzero(spikes[:, i]).tolist() for i in range(5)]
    assert times == [[0], [5], [7], [9], []], (
        f"spike times {times}, expected [[0], [5], [7], [9], []]: t = min(floor((1 - x) T), "
        f"T - 1), and no spike for x = 0")


@settings(max_examples=30)
@given(intensity=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                            elements=st.floats(0, 1)), T=st.integers(1, 20))
def test_task_4_2_one_spike_brighter_first(intensity, T):
    spikes = _spike_array(f"latency_encode(intensity {intensity.shape}, T={T})",
                          ex.latency_encode(intensity, T), (T, *intensity.shape))
    count = spikes.sum(axis=0)
    assert np.array_equal(count, (intensity > 0).astype(np.float32)), (
        "every non-zero value must fire exactly once and 0 never")
    when = np.minimum(np.floor((1 - intensity) * T), T - 1)
    first = np.where(count > 0, spikes.argmax(axis=0), -1)
    ok = (first == when) | (intensity == 0)
    assert ok.all(), (
        f"T={T}: intensities {intensity[~ok][:3]} fired at {first[~ok][:3]}, expected "
        f"{when[~ok][:3]}")


def test_task_4_2_a_tiny_intensity_fires_at_the_last_step():
    # (1 - 1e-20) * T rounds to T in floating point: only min(..., T - 1) keeps it inside
    intensity = np.array([1e-20, 5e-324, 1e-3])
    spikes = _spike_array("latency_encode([1e-20, 5e-324, 1e-3], T=7)",
                          ex.latency_encode(intensity, 7), (7, 3))
    times = [np.flatnonzero(spikes[:, i]).tolist() for i in range(3)]
    assert times == [[6], [6], [6]], (
        f"tiny intensities fired at {times}, expected [[6], [6], [6]]: every value > 0 fires "
        f"once, at min(floor((1 - x) T), T - 1)")


# ------------------------------------------------------------------ Task 4.3: delta coding
def _delta_reference(signal, threshold):
    events = np.zeros((signal.shape[0], 2, *signal.shape[1:]), np.float32)
    level = signal[0].copy()
    for t in range(1, len(signal)):
        d = signal[t] - level
        events[t, 1], events[t, 0] = d >= threshold, d <= -threshold
        level = np.where((d >= threshold) | (d <= -threshold), signal[t], level)
    return events


def test_task_4_3_a_slow_ramp_still_fires():
    # rises by 0.1 per step with threshold 0.25: the change adds up to 0.3 every third step
    ramp = np.arange(10)[:, None] * 0.1
    events = _spike_array("delta_encode(ramp [10, 1], 0.25)", ex.delta_encode(ramp, 0.25),
                          (10, 2, 1))
    on = np.flatnonzero(events[:, 1, 0]).tolist()
    assert on == [3, 6, 9] and not events[:, 0].any(), (
        f"a ramp of 0.1 per step, threshold 0.25: ON events at {on} and OFF at "
        f"{np.flatnonzero(events[:, 0, 0]).tolist()}; expected ON at [3, 6, 9] and no OFF "
        f"(the reference level moves only when an event fires)")


def test_task_4_3_constant_signal_is_silent_and_drops_are_off():
    signal = np.array([[0.5, 0.5], [0.5, 0.0], [0.5, 0.0], [0.5, 1.0]])
    events = np.asarray(ex.delta_encode(signal, 0.4))
    assert not events[:, :, 0].any(), "a constant value must send no event"
    assert events[1, 0, 1] == 1 and events[3, 1, 1] == 1 and events.sum() == 2, (
        f"a drop of 0.5 at t=1 must give one OFF event (channel 0), a rise of 1.0 at t=3 one ON "
        f"event (channel 1); got OFF at {np.argwhere(events[:, 0]).tolist()}, ON at "
        f"{np.argwhere(events[:, 1]).tolist()} ([t, value])")


def test_task_4_3_a_change_of_exactly_the_threshold_fires():
    signal = np.array([0.0, 0.25, 0.5, 0.25, 0.125])  # changes of exactly 0.25 (exact in binary)
    events = _spike_array("delta_encode([0, 0.25, 0.5, 0.25, 0.125], 0.25)",
                          call("delta_encode", ex.delta_encode, signal, 0.25), (5, 2))
    on, off = np.flatnonzero(events[:, 1]).tolist(), np.flatnonzero(events[:, 0]).tolist()
    assert (on, off) == ([1, 2], [3]), (
        f"changes of exactly the threshold 0.25: ON at {on}, OFF at {off}; expected ON at [1, 2] "
        f"and OFF at [3] (d >= threshold fires, d <= -threshold fires)")


@settings(max_examples=15)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), T=st.integers(1, 4))
def test_task_4_3_any_shape(shape, T):
    signal = np.random.default_rng(0).standard_normal((T, *shape))
    _spike_array(f"delta_encode(signal of shape {signal.shape}, 0.5)",
                 call("delta_encode", ex.delta_encode, signal, 0.5), (T, 2, *shape))


@settings(max_examples=30)
@given(signal=hnp.arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 5)),
                         elements=st.floats(-2, 2)), threshold=st.floats(0.05, 1.0))
def test_task_4_3_matches_the_rule(signal, threshold):
    got = _spike_array(f"delta_encode(signal {signal.shape}, {threshold})",
                       ex.delta_encode(signal, threshold), (signal.shape[0], 2, signal.shape[1]))
    expected = _delta_reference(signal, threshold)
    bad = np.argwhere(got != expected)
    assert not len(bad), (
        f"threshold {threshold}: first wrong event at [t, channel, value] = {bad[0].tolist()}: "
        f"got {got[tuple(bad[0])]}, expected {expected[tuple(bad[0])]} for the values "
        f"{signal[:, bad[0][2]].round(3).tolist()}")


# ------------------------------------------------------------------ Task 4.4: first-spike decoding
def test_task_4_4_worked_example():
    spikes = np.zeros((5, 3, 4))
    spikes[3, 0, 1], spikes[1, 0, 2], spikes[4, 0, 0] = 1, 1, 1   # sample 0: class 2 first
    spikes[2, 1, 3], spikes[2, 1, 1] = 1, 1                       # sample 1: tie -> class 1
    got = np.asarray(ex.first_spike_decode(spikes))               # sample 2: silent -> 0
    assert got.shape == (3,), f"the decoded classes have shape {got.shape}, expected (3,)"
    assert got.dtype == np.int64, f"the decoded classes have dtype {got.dtype}, expected int64"
    assert got.tolist() == [2, 1, 0], (
        f"got classes {got.tolist()}, expected [2, 1, 0]: the earliest first spike wins, ties go "
        f"to the lowest class, and a silent sample gets class 0")


@settings(max_examples=30)
@given(spikes=hnp.arrays(np.float32, st.tuples(st.integers(1, 6), st.integers(1, 4),
                                               st.integers(1, 5)),
                         elements=st.sampled_from([0.0, 1.0])))
def test_task_4_4_matches_the_rule(spikes):
    T = spikes.shape[0]
    got = np.asarray(ex.first_spike_decode(spikes))
    for b in range(spikes.shape[1]):
        first = [next((t for t in range(T) if spikes[t, b, k]), T) for k in range(spikes.shape[2])]
        assert got[b] == int(np.argmin(first)), (
            f"sample {b}: first spike times per class {first}, decoded {got[b]}, expected "
            f"{int(np.argmin(first))}")


# ------------------------------------------------------------------ Task 4.5: the training loop
class TwoLayerSNN(nn.Module):
    """x: [T, B, 12] -> rates [B, 3]: linear -> LIF -> linear -> LIF, mean over time."""

    def __init__(self):
        super().__init__()
        self.fc1, self.lif1 = nn.Linear(12, 24), nn.LIF(tau=2.0, surrogate=ts.surrogate.ATan())
        self.fc2, self.lif2 = nn.Linear(24, 3), nn.LIF(tau=2.0, surrogate=ts.surrogate.ATan())

    def forward(self, x):
        return self.lif2(self.fc2(self.lif1(self.fc1(x)))).mean(axis=0)


def _problem():
    """Three classes of rate-coded patterns: 48 samples, [8, 12] spikes each."""
    rng = np.random.default_rng(0)
    prototypes = rng.uniform(0, 1, (3, 12))
    labels = np.arange(48) % 3
    return [((rng.random((8, 12)) < prototypes[y]).astype(np.float32), int(y)) for y in labels]


def _loss(rates, y):
    return F.mse_loss(rates, Tensor(np.eye(3, dtype=np.float32)[y]))


def _reference_epoch(model, loader, optimizer):
    model.train()
    total, correct, seen = 0.0, 0, 0
    for x, y in loader:
        rates = model(Tensor(x))
        loss = _loss(rates, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        correct += int((rates.data.argmax(axis=1) == y).sum())
        seen += len(y)
    return total / seen, correct / seen


def _setup():
    ts.manual_seed(0)
    model = TwoLayerSNN()
    loader = DataLoader(_problem(), batch_size=10, shuffle=True, seed=0)
    return model, loader, optim.Adam(model.parameters(), lr=0.01)


def test_task_4_5_one_epoch_equals_the_reference_loop():
    model, loader, optimizer = _setup()
    model.eval()  # train_epoch must switch to training mode itself
    got = ex.train_epoch(model, loader, optimizer, _loss)
    assert model.training, "train_epoch must put the model in training mode (model.train())"
    reference, ref_loader, ref_optimizer = _setup()
    expected = _reference_epoch(reference, ref_loader, ref_optimizer)
    assert isinstance(got, tuple) and len(got) == 2, (
        f"train_epoch must return (mean loss, accuracy), got {got!r}")
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        assert np.allclose(p.data, q.data, rtol=1e-5, atol=1e-6), (
            f"after one epoch, parameter {name} differs from the reference loop's by up to "
            f"{np.abs(p.data - q.data).max():.3g}. Common causes: gradients not cleared before "
            f"backward (optimizer.zero_grad()), a step before backward, or a loss other than "
            f"loss_fn(rates, y)")
    assert np.isclose(got[0], expected[0], rtol=1e-5), (
        f"mean loss {got[0]}, expected {expected[0]} (batch losses weighted by batch size; the "
        f"last batch has 8 samples, the others 10)")
    assert np.isclose(got[1], expected[1]), (
        f"accuracy {got[1]}, expected {expected[1]} (argmax of each batch's rates == label)")


def test_task_4_5_learns():
    model, loader, optimizer = _setup()
    history = [ex.train_epoch(model, loader, optimizer, _loss) for _ in range(6)]
    losses, accuracies = [h[0] for h in history], [h[1] for h in history]
    assert losses[-1] < 0.7 * losses[0] and accuracies[-1] >= 0.8, (
        f"six epochs on an easy problem: losses {np.round(losses, 4).tolist()}, accuracies "
        f"{np.round(accuracies, 3).tolist()}; expected the loss to fall by 30% and accuracy "
        f">= 0.8")
