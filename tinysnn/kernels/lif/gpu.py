"""CuPy twin of the LIF kernels: the recurrence of reference.py, one GPU thread per neuron.

F.lif imports this module only when a CuPy array arrives. Arrays are [T, N] in C order, so at
each step the threads of a warp read neighbouring neurons: coalesced loads. Like the Numba
kernels, forward saves only H and backward recomputes S and psi from it.

The CUDA sources are plain strings, built into kernels on first use; without a GPU, the tests
compile the same strings as C++ and compare them with the reference loop.
"""

import functools

from ...backend import _cupy
from .slopes import cuda_slope_function, fused_slope, surrogate_slopes

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
                   "T decay, T threshold, bool hard, T v_reset, bool detach_reset, "
                   "T c0, T c1, raw T psi_given", "raw T g_x, T g_v_init")
BACKWARD_SOURCE = """
T g_v_next = g_v[every_step ? (steps - 1) * n + i : i];          // gV[T-1] = dL/dV[T-1]
for (long long t = steps - 1; t >= 0; --t) {
    const long long k = t * n + i;
    const T h_k = h[k];
    const T s = h_k >= threshold ? (T)1 : (h_k != h_k ? h_k : (T)0);   // as forward
    const T psi = PSI;                                  // surrogate'(H - threshold), see _kernels
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
def _kernels(cuda_slope=None):
    """cupy and the forward and backward kernels; the backward computes psi with
    ``cuda_slope`` (a surrogate class's CUDA body, slopes.py) or, when None, reads it from
    psi_given. Built once per slope formula."""
    cupy = _cupy()
    forward = cupy.ElementwiseKernel(*FORWARD_PARAMS, FORWARD_SOURCE, "tinysnn_lif_forward")
    if cuda_slope is None:
        source, preamble = BACKWARD_SOURCE.replace("PSI", "psi_given[k]"), ""
    else:
        source = BACKWARD_SOURCE.replace("PSI", "surrogate_slope<T>(h_k - threshold, c0, c1)")
        preamble = cuda_slope_function(cuda_slope)
    backward = cupy.ElementwiseKernel(*BACKWARD_PARAMS, source, "tinysnn_lif_backward",
                                      preamble=preamble)
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
    fused = fused_slope(surrogate)
    cuda_slope = None if fused is None else fused.cuda
    cupy, _, backward = _kernels(cuda_slope)
    steps = h.shape[0]
    h2 = cupy.ascontiguousarray(h).reshape(steps, -1)
    n, dt = h2.shape[1], h2.dtype.type
    g_s2 = cupy.ascontiguousarray(g_spikes, dtype=h2.dtype).reshape(steps, n)
    v_steps = steps if g_v.ndim == h.ndim else 1  # dL/dV of every step, or of the last only
    g_v2 = cupy.ascontiguousarray(g_v, dtype=h2.dtype).reshape(v_steps, n)
    g_x, g_v_init = cupy.empty_like(h2), cupy.empty(n, h2.dtype)
    if cuda_slope is None:  # no CUDA slope of its own: its derivative fills the slopes first
        psi, c0, c1 = surrogate_slopes(surrogate, h2, threshold), 0.0, 0.0
    else:
        psi, c0, c1 = cupy.empty((1,), h2.dtype), fused.c0, fused.c1  # psi not read
    backward(h2, g_s2, g_v2, steps, n, g_v2.shape[0] == steps, dt(decay), dt(threshold),
             reset == "hard", dt(v_reset), bool(detach_reset), dt(c0), dt(c1), psi, g_x,
             g_v_init)
    return g_x.reshape(h.shape), g_v_init.reshape(h.shape[1:])
