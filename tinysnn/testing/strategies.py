"""Hypothesis strategies for tinysnn's inputs: shapes, arrays away from kinks, configurations.

    from hypothesis import given
    from tinysnn.testing import arrays, shapes

    @given(arrays(shapes(max_dims=3), avoid=(0.0,)))      # no value within 1e-2 of ReLU's kink
    def test_relu_grad(x):
        assert_grad_close(lambda t: t.relu(), x)

Every strategy draws only valid inputs by construction (no filtering, so no health-check
failures): values are pushed out of the bands around kinks, distinct values are a shuffled,
jittered grid, and configurations draw each size within the bounds the others allow.
"""

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp
from hypothesis.strategies import SearchStrategy

SURROGATE_NAMES = ("Sigmoid", "ATan", "Rectangle", "Triangle", "FastSigmoid")
ATTENTION_DIMS = ("T", "C", "S", "TC", "TS", "CS", "TCS")


def shapes(min_dims=1, max_dims=4, min_side=1, max_side=5):
    """Shape tuples with ``min_dims..max_dims`` axes of ``min_side..max_side`` each."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


# ------------------------------------------------------------------ values away from kinks
def _allowed_pieces(min_value, max_value, avoid, margin):
    """[min_value, max_value] minus the open bands (k - margin, k + margin), as closed pieces."""
    bands = sorted((k - margin, k + margin) for k in avoid)
    merged = []
    for lo, hi in bands:  # overlapping bands merge, so a band's edge is never inside another
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    pieces, start = [], min_value
    for lo, hi in merged:
        if lo > start:
            pieces.append((start, min(lo, max_value)))
        start = max(start, hi)
    if start <= max_value:
        pieces.append((start, max_value))
    pieces = [(lo, hi) for lo, hi in pieces if lo <= hi and lo <= max_value]
    return pieces, merged


def _push_out_of_bands(x, bands, min_value, max_value):
    """Move every value inside a band (k - margin, k + margin) to the nearer in-range edge."""
    for lo, hi in bands:
        inside = (x > lo) & (x < hi)
        if not inside.any():
            continue
        to_lo = (x - lo <= hi - x) if min_value <= lo and hi <= max_value else (min_value <= lo)
        x = np.where(inside, np.where(to_lo, lo, hi), x)
    return x


def _from_compressed(u, pieces):
    """Map u in [0, total length of pieces] onto the pieces laid end to end (monotone)."""
    lengths = np.array([hi - lo for lo, hi in pieces])
    starts = np.concatenate([[0.0], np.cumsum(lengths)[:-1]])
    k = np.clip(np.searchsorted(starts, u, side="right") - 1, 0, len(pieces) - 1)
    lows = np.array([lo for lo, _ in pieces])
    return np.minimum(lows[k] + (u - starts[k]), lows[k] + lengths[k])


@st.composite
def _distinct_values(draw, size, pieces, margin):
    """``size`` values, pairwise at least ``margin`` apart: a shuffled grid plus jitter.

    Grid points sit ``step = total / size`` apart in the compressed line (the pieces laid end to
    end); each moves by at most (step - margin) / 2, so neighbours stay >= margin apart, and
    mapping back onto the pieces only adds the skipped bands between them.
    """
    total = sum(hi - lo for lo, hi in pieces)
    step = total / size
    if step < margin:
        raise InvalidArgument(
            f"arrays(distinct=True): {size} values at least margin={margin} apart need "
            f"{size * margin:.4g} of room, but only {total:.4g} lies in [min_value, max_value] "
            f"outside the avoided bands; widen the range or lower the margin"
        )
    # One drawn seed (not one draw per element) keeps large arrays within hypothesis' budget.
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    order, jitter = rng.permutation(size), rng.uniform(-1.0, 1.0, size)
    u = (order + 0.5) * step + jitter * (step - margin) / 2
    return _from_compressed(u, pieces)


def arrays(shape, dtype=np.float64, min_value=-2.0, max_value=2.0, avoid=(), margin=1e-2,
           distinct=False):
    """Floating arrays of ``shape`` with values in [min_value, max_value].

    shape: a tuple (or an int), or a strategy of tuples (e.g. ``shapes()``).
    avoid: kinks (e.g. ``(0.0,)`` for ReLU); every value is at least ``margin`` away from each.
    distinct: every pair of values is at least ``margin`` apart (no ties, for max / max pooling).
    The margins hold in float64; a float32 array keeps them up to float32 rounding.
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise InvalidArgument(f"arrays: dtype must be floating, got {dtype}")
    if not min_value < max_value:
        raise InvalidArgument(f"arrays: need min_value < max_value, got {min_value}, {max_value}")
    if margin < 0:
        raise InvalidArgument(f"arrays: margin must be >= 0, got {margin}")
    avoid = tuple(float(k) for k in np.atleast_1d(np.asarray(avoid, dtype=np.float64)))
    pieces, bands = _allowed_pieces(float(min_value), float(max_value), avoid, margin)
    if not pieces:
        raise InvalidArgument(
            f"arrays: no value in [{min_value}, {max_value}] is {margin} away from {avoid}"
        )
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    shape_strategy = shape if isinstance(shape, SearchStrategy) else st.just(tuple(shape))

    def values_of_shape(shape):
        shape = tuple(int(n) for n in shape)
        size = int(np.prod(shape))
        if distinct:
            flat = _distinct_values(size, pieces, margin)
        else:
            elements = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
            flat = hnp.arrays(np.float64, size, elements=elements).map(
                lambda x: _push_out_of_bands(x, bands, min_value, max_value))
        return flat.map(lambda x: x.reshape(shape).astype(dtype))

    return shape_strategy.flatmap(values_of_shape)


def _drawn(draw, value):
    return draw(value) if isinstance(value, SearchStrategy) else value


@st.composite
def time_major(draw, T, B, feature_shape, **array_kwargs):
    """Sequences ``[T, B, *feature_shape]``; T, B, the shape or each of its sides may be strategies.

    ``array_kwargs`` go to ``arrays`` (dtype, min_value, max_value, avoid, margin, distinct).
    """
    T, B = int(_drawn(draw, T)), int(_drawn(draw, B))
    features = _drawn(draw, feature_shape)
    features = (features,) if isinstance(features, (int, np.integer)) else features
    features = tuple(int(_drawn(draw, n)) for n in features)
    return draw(arrays((T, B, *features), **array_kwargs))


# ------------------------------------------------------------------ configurations
def surrogates(names=SURROGATE_NAMES):
    """Instances from ``tinysnn.surrogate`` with a drawn sharpness (alpha, width or slope)."""
    from .. import surrogate  # imported on use: hypothesis users may not need neurons

    makers = {
        "Sigmoid": st.floats(1.0, 8.0).map(lambda a: surrogate.Sigmoid(alpha=a)),
        "ATan": st.floats(0.5, 4.0).map(lambda a: surrogate.ATan(alpha=a)),
        "Rectangle": st.floats(0.25, 2.0).map(lambda w: surrogate.Rectangle(width=w)),
        "Triangle": st.floats(0.25, 2.0).map(lambda w: surrogate.Triangle(width=w)),
        "FastSigmoid": st.floats(1.0, 25.0).map(lambda k: surrogate.FastSigmoid(slope=k)),
    }
    unknown = set(names) - set(makers)
    if unknown or not names:
        raise InvalidArgument(f"surrogates: names must be among {SURROGATE_NAMES}, got {names}")
    return st.one_of([makers[n] for n in names])


def _check_fixed(name, fixed, allowed):
    unknown = set(fixed) - set(allowed)
    if unknown:
        raise InvalidArgument(f"{name}: unknown keys {sorted(unknown)}; expected {allowed}")


_LIF_KEYS = ("decay", "threshold", "reset", "v_reset", "detach_reset", "surrogate")


@st.composite
def lif_configs(draw, surrogate_names=SURROGATE_NAMES, **fixed):
    """Keyword arguments for ``F.lif``: a dict with every key of ``_LIF_KEYS``.

    decay in [0, 1], threshold in [0.1, 2], reset "hard" or "soft", v_reset in [-0.5, 0.5]
    and <= threshold, detach_reset a bool, surrogate an instance from ``tinysnn.surrogate``.
    Pin any key with a keyword (``lif_configs(reset="soft")``); a pinned value is used as is.
    """
    _check_fixed("lif_configs", fixed, _LIF_KEYS)
    pick = lambda key, strategy: fixed[key] if key in fixed else draw(strategy)
    threshold = pick("threshold", st.floats(0.1, 2.0))
    return {
        "decay": pick("decay", st.floats(0.0, 1.0)),
        "threshold": threshold,
        "reset": pick("reset", st.sampled_from(("hard", "soft"))),
        "v_reset": pick("v_reset", st.floats(-0.5, min(0.5, threshold))),
        "detach_reset": pick("detach_reset", st.booleans()),
        "surrogate": pick("surrogate", surrogates(surrogate_names)),
    }


_ATTENTION_KEYS = ("T", "B", "C", "H", "W", "reduction_t", "reduction_c", "dims", "kernel_size")


@st.composite
def attention_configs(draw, max_T=6, max_B=2, max_C=8, max_side=6, kernel_sizes=(1, 3, 5),
                      **fixed):
    """Sizes and options of a multi-dimensional attention block, always a valid combination.

    Keys: T, B, C, H, W (input ``[T, B, C, H, W]``), reduction_t in [1, T], reduction_c in
    [1, C], dims (one of "T", "C", "S", "TC", "TS", "CS", "TCS"), kernel_size (odd).
    Pin any key with a keyword (``attention_configs(dims="TCS")``).
    """
    _check_fixed("attention_configs", fixed, _ATTENTION_KEYS)
    if any(k % 2 == 0 or k < 1 for k in kernel_sizes):
        raise InvalidArgument(f"attention_configs: kernel sizes must be odd, got {kernel_sizes}")
    pick = lambda key, strategy: fixed[key] if key in fixed else draw(strategy)
    config = {
        "T": pick("T", st.integers(1, max_T)),
        "B": pick("B", st.integers(1, max_B)),
        "C": pick("C", st.integers(1, max_C)),
        "H": pick("H", st.integers(1, max_side)),
        "W": pick("W", st.integers(1, max_side)),
    }
    config["reduction_t"] = pick("reduction_t", st.integers(1, config["T"]))
    config["reduction_c"] = pick("reduction_c", st.integers(1, config["C"]))
    config["dims"] = pick("dims", st.sampled_from(ATTENTION_DIMS))
    config["kernel_size"] = pick("kernel_size", st.sampled_from(kernel_sizes))
    if not (1 <= config["reduction_t"] <= config["T"] and 1 <= config["reduction_c"] <= config["C"]
            and config["kernel_size"] % 2 == 1 and config["dims"] in ATTENTION_DIMS):
        raise InvalidArgument(f"attention_configs: the pinned values make {config} invalid")
    return config
