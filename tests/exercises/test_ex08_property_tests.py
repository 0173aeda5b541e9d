"""Grades notebook 08's exercise (tutorials/exercises/ex08_property_tests.py): task 8.1.

The learner's property test must pass the correct Softmax and fail each planted bug."""

import numpy as np
import pytest
from grading import load

from tinysnn.testing.gradcheck import check_gradients

ex = load("ex08_property_tests")


class ForgetsTheSum(ex.Softmax):
    """Only the diagonal of the Jacobian: y * g."""

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return (y * grad,)


class SumsOverTheFirstAxis(ex.Softmax):
    """Sums over axis 0 instead of the last: right for 1-D inputs only."""

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return (y * (grad - (grad * y).sum(axis=0, keepdims=True)),)


class SumsTwoElements(ex.Softmax):
    """Sums only the first two elements of each row: right for rows of length 1 or 2."""

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return (y * (grad - (grad * y)[..., :2].sum(axis=-1, keepdims=True)),)


class SumsFourElements(ex.Softmax):
    """Sums only the first four elements of each row: right for rows of up to 4 values."""

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return (y * (grad - (grad * y)[..., :4].sum(axis=-1, keepdims=True)),)


class SumsPerSample(ex.Softmax):
    """Sums everything after the first axis (per sample, as for a batch [B, n]): right for
    inputs of exactly two axes."""

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        per_sample = (grad * y).reshape(len(grad), -1).sum(axis=1)
        return (y * (grad - per_sample.reshape(len(grad), *[1] * (grad.ndim - 1))),)


def test_task_8_1_passes_the_correct_softmax():
    ex.softmax_property(ex.Softmax)


@pytest.mark.parametrize("buggy, hint", [
    (ForgetsTheSum, "any row of length >= 2"),
    (SumsOverTheFirstAxis, "inputs of two axes or more"),
    (SumsTwoElements, "rows of length 3 or more"),
    (SumsFourElements, "rows of length 5 or more"),
    (SumsPerSample, "inputs of one axis or of three"),
], ids=["forgets_the_sum", "sums_over_the_first_axis", "sums_two_elements", "sums_four_elements",
        "sums_per_sample"])
def test_task_8_1_catches_a_planted_bug(buggy, hint):
    x = np.random.default_rng(0).standard_normal((2, 3, 5))
    assert not check_gradients(buggy.apply, x).ok, f"{buggy.__name__} must be wrong on [2, 3, 5]"
    try:
        ex.softmax_property(buggy)
    except AssertionError:
        return
    raise AssertionError(
        f"softmax_property passed a Softmax whose backward is wrong ({buggy.__doc__.strip()}); "
        f"it shows on {hint}: draw such inputs")
