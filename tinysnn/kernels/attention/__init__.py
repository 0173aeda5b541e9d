"""The passes of an attention gate over its big [P1, G, P2, Q] view (see reference.py).

On NumPy arrays ``pool_stats``, ``gate_scale`` and ``gate_input_grad`` run the Numba kernels
(``cpu.py``), which fuse what NumPy does in several passes (``benchmarks/bench_attention.py``);
on CuPy arrays they run the plain array code (``reference.py``). Two passes stay plain on the
CPU too, because NumPy is as fast: the max of a Q == 1 view (NumPy's SIMD argmax along a row
beats a scalar loop) and ``grad_dot_input`` (one einsum streams both arrays once).
"""

from ...backend import is_cupy
from . import cpu, reference


def pool_stats(x4):
    """Mean, max and argmax of x4 [P1, G, P2, Q] over axes 0 and 2 -> [G, Q] each."""
    if is_cupy(x4) or x4.shape[3] == 1:
        return reference.pool_stats(x4)
    return cpu.pool_stats(x4)


def gate_scale(x4, gate, relu=False):
    """y = x * gate, or max(x * gate, 0) with relu.  x4: [P1, G, P2, Q], gate: [G, Q]."""
    if is_cupy(x4):
        return reference.gate_scale(x4, gate, relu)
    return cpu.gate_scale(x4, gate, relu)


def relu_grad(grad4, x4, gate):
    """The gradient before the ReLU of ``gate_scale(x4, gate, relu=True)``."""
    if is_cupy(x4):
        return reference.relu_grad(grad4, x4, gate)
    return cpu.relu_grad(grad4, x4, gate)


grad_dot_input = reference.grad_dot_input  # dL/dgate = sum of grad * x over the pooled axes


def gate_input_grad(grad4, gate, grad_mean, grad_max, where):
    """dL/dx of y = x * gate(mean and max pools of x); see reference.gate_input_grad."""
    if is_cupy(grad4):
        return reference.gate_input_grad(grad4, gate, grad_mean, grad_max, where)
    return cpu.gate_input_grad(grad4, gate, grad_mean, grad_max, where)


__all__ = ["gate_input_grad", "gate_scale", "grad_dot_input", "pool_stats", "relu_grad"]
