"""Plain NumPy loops of the NIR equations, as tinysnn's importer reads them (docs/nir.md):
forward Euler at dt, states from 0, fire on v >= v_threshold and reset in the same step.
The NIR tests compare ``from_nir`` against these."""

import numpy as np


def neuron(kind, p, current, dt):
    """current: [T, B, *shape] -> the node's output [T, B, *shape], one step at a time."""
    v = np.zeros(current.shape[1:])
    i = np.zeros(current.shape[1:])
    out = []
    for x in current:
        if kind in ("LI", "LIF"):
            v = v + dt / p["tau"] * (p["v_leak"] - v + p["r"] * x)
        elif kind in ("I", "IF"):
            v = v + dt * p["r"] * x
        else:   # CubaLI, CubaLIF: the current first, then the membrane with this step's i
            i = i + dt / p["tau_syn"] * (-i + p["w_in"] * x)
            v = v + dt / p["tau_mem"] * (p["v_leak"] - v + p["r"] * i)
        if kind in ("LIF", "IF", "CubaLIF"):
            s = (v >= p["v_threshold"]).astype(float)
            v = np.where(s > 0, p["v_reset"], v)
            out.append(s)
        else:
            out.append(v.copy())
    return np.stack(out)


def conv2d(x, w, b, stride, pads, dilation, groups):
    """x [N, C, H, W], w [O, C/groups, kh, kw]; pads (top, bottom, left, right): a direct loop."""
    x = np.pad(x, ((0, 0), (0, 0), pads[:2], pads[2:]))
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    ho = (h - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (wd - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    y = np.zeros((n, o, ho, wo))
    per_group = o // groups
    for oc in range(o):
        g = oc // per_group
        for i in range(ho):
            for j in range(wo):
                for ci in range(cg):
                    for a in range(kh):
                        for bb in range(kw):
                            y[:, oc, i, j] += w[oc, ci, a, bb] * x[
                                :, g * cg + ci, i * stride[0] + a * dilation[0],
                                j * stride[1] + bb * dilation[1]]
        y[:, oc] += b[oc]
    return y


def pool2d(x, kernel, stride, padding, kind):
    """Sum (zero padding) or mean (the padded zeros counted) over windows: a direct loop."""
    x = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    ho = (x.shape[2] - kernel[0]) // stride[0] + 1
    wo = (x.shape[3] - kernel[1]) // stride[1] + 1
    y = np.zeros((*x.shape[:2], ho, wo))
    for i in range(ho):
        for j in range(wo):
            window = x[:, :, i * stride[0]:i * stride[0] + kernel[0],
                       j * stride[1]:j * stride[1] + kernel[1]]
            y[:, :, i, j] = window.sum(axis=(2, 3))
    return y if kind == "SumPool2d" else y / (kernel[0] * kernel[1])
