"""CuPy twin of the LIF kernels: the recurrence of reference.py, one GPU thread per neuron.

F.lif imports this module only when a CuPy array arrives. Arrays are [T, N] in C order, so at
each step the threads of a warp read neighbouring neurons: coalesced loads. Like the Numba
kernels, forward saves only H and backward recomputes S and psi from it.

The CUDA sources are plain strings, built into kernels on first use; without a GPU, the tests
compile the same strings as C++ and compare them with the reference loop.
"""

import functools

from ...backend import _cupy
from .slopes import CUDA_SLOPE_SOURCE, GIVEN_SLOPE, encode, surrogate_slopes

FORWARD_PARAMS = ("raw T x, T v_init, int64 steps, int64 n, T decay, T threshold, bool hard, "
                  "T v_reset, bool every_step", "raw T spikes, raw T h, raw T v_out")
FORWARD_SOURCE = """
T v = v_init;
for (long long t = 0; t < steps; ++t) {
    const long long k = t * n + i;
    const T h_k = decay * v + x[k];                  // charge: H = decay V + X
    const T s = h_k >= threshold ? (T)1             // fire: S = [H >= threshold],
              : (h_k != h_k ? h_k : (T)0);           //   NaN for a NaN membrane
    h[k] = h_k;
    spikes[k] = s;
    v = hard ? (s == (T)1 ? v_reset : h_k)          // V = H (1 - S) + v_reset S (H = inf too)
             : h_k - threshold * s;                  // V = H - threshold S
    if (every_step) v_out[k] = v;
}
if (!every_step) v_out[i] = v;
"""

BACKWARD_PARAMS = ("raw T h, raw T g_spikes, raw T g_v, int64 steps, int64 n, bool every_step, "
                   "T decay, T threshold, bool hard, T v_reset, bool detach_reset, int32 kind, "
                   "T c0, T c1, raw T psi_given", "raw T g_x, T g_v_init")
BACKWARD_SOURCE = """
T g_v_next = g_v[every_step ? (steps - 1) * n + i : i];          // gV[T-1] = dL/dV[T-1]
for (long long t = steps - 1; t >= 0; --t) {
    const long long k = t * n + i;
    const T h_k = h[k];
    const T s = h_k >= threshold ? (T)1 : (h_k != h_k ? h_k : (T)0);   // as forward
    const T psi = kind == SLOPE_GIVEN ? psi_given[k]                // slopes.py's encoding
                                : surrogate_slope<T>(kind, c0, c1, h_k - threshold);
    T rho;                                                         // dV/dH
    if (hard) rho = detach_reset ? (T)1 - s : ((T)1 - s) + (v_reset - h_k) * psi;
    else rho = detach_reset ? (T)1 : (T)1 - threshold * psi;
    const T g_h = h_k != h_k ? h_k                                 // NaN membrane: NaN back
                             : g_spikes[k] * psi + g_v_next * rho; // gH = dL/dS psi + gV rho
    g_x[k] = g_h;                                                  // dL/dX = gH
    g_v_next = decay * g_h;                                        // gV[t-1] = decay gH[t]
    if (every_step && t > 0) g_v_next = g_v_next + g_v[k - n];     //   + dL/dV[t-1]
}
g_v_init = g_v_next;                                               // dL/dv_init = decay gH[0]
"""


@functools.cache
def _kernels():
    cupy = _cupy()
    forward = cupy.ElementwiseKernel(*FORWARD_PARAMS, FORWARD_SOURCE, "tinysnn_lif_forward")
    backward = cupy.ElementwiseKernel(*BACKWARD_PARAMS, BACKWARD_SOURCE, "tinysnn_lif_backward",
                                      preamble=CUDA_SLOPE_SOURCE)
    return cupy, forward, backward


def lif_forward(x, v_init, decay, threshold, reset="hard", v_reset=0.0, keep_membrane=False):
    """``reference.lif_forward`` on CuPy arrays (same arguments and results)."""
    cupy, forward, _ = _kernels()
    steps = x.shape[0]
    x2 = cupy.ascontiguousarray(x).reshape(steps, -1)
    n, dt = x2.shape[1], x2.dtype.type
    spikes, h = cupy.empty_like(x2), cupy.empty_like(x2)
    v_out = cupy.empty((steps if keep_membrane else 1, n), x2.dtype)
    v0 = cupy.ascontiguousarray(v_init, dtype=x2.dtype).reshape(n)
    forward(x2, v0, steps, n, dt(decay), dt(threshold), reset == "hard", dt(v_reset),
            steps == v_out.shape[0], spikes, h, v_out)
    v = v_out.reshape(x.shape if keep_membrane else x.shape[1:])
    return spikes.reshape(x.shape), h.reshape(x.shape), v


def lif_backward(h, g_spikes, g_v, decay, threshold, reset, v_reset, detach_reset, surrogate):
    """``reference.lif_backward`` on CuPy arrays (same arguments and results)."""
    cupy, _, backward = _kernels()
    steps = h.shape[0]
    h2 = cupy.ascontiguousarray(h).reshape(steps, -1)
    n, dt = h2.shape[1], h2.dtype.type
    g_s2 = cupy.ascontiguousarray(g_spikes, dtype=h2.dtype).reshape(steps, n)
    v_steps = steps if g_v.ndim == h.ndim else 1  # dL/dV of every step, or of the last only
    g_v2 = cupy.ascontiguousarray(g_v, dtype=h2.dtype).reshape(v_steps, n)
    g_x, g_v_init = cupy.empty_like(h2), cupy.empty(n, h2.dtype)
    fused = encode(surrogate)
    if fused is None:  # not a built-in: its own derivative fills the slopes first
        psi, fused = surrogate_slopes(surrogate, h2, threshold), GIVEN_SLOPE
    else:
        psi = cupy.empty((1,), h2.dtype)  # not read
    kind, c0, c1 = fused
    backward(h2, g_s2, g_v2, steps, n, g_v2.shape[0] == steps, dt(decay), dt(threshold),
             reset == "hard", dt(v_reset), bool(detach_reset), kind, dt(c0), dt(c1), psi, g_x,
             g_v_init)
    return g_x.reshape(h.shape), g_v_init.reshape(h.shape[1:])
