"""Module and Parameter: the containers that hold weights, buffers and sub-modules.

Assigning a ``Parameter`` or a ``Module`` to an attribute registers it, as in PyTorch;
``register_buffer`` registers arrays that belong in the state dict but get no gradient
(BatchNorm's running statistics). Names are dotted paths: ``"features.0.weight"``.
"""

from collections import OrderedDict

import numpy as np

from ..backend import device_of, to_device
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that a Module owns and an optimizer updates (requires_grad=True)."""

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return f"Parameter(shape={self.shape}, dtype={self.dtype})"


class Module:
    """Base class of every layer and model. Subclasses define ``forward``."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_forward_hooks", {})

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() first")
        if name in self._buffers and value is not None and hasattr(value, "shape"):
            self._buffers[name] = value  # a new array for a buffer stays a buffer
            object.__setattr__(self, name, value)
            return
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def register_buffer(self, name, array):
        """An array saved in the state dict but not trained (e.g. running_mean)."""
        self._buffers[name] = array
        object.__setattr__(self, name, array)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def __call__(self, *args, **kwargs):
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            hook(self, args, output)
        return output

    def register_forward_hook(self, hook):
        """Call ``hook(module, inputs, output)`` after every forward; returns a handle to remove().

        Monitors use this to count spikes and operations without touching the model's code.
        """
        key = object()
        self._forward_hooks[key] = hook
        return _HookHandle(self._forward_hooks, key)

    # ----------------------------------------------------------------- traversal
    def named_modules(self, prefix=""):
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return [m for _, m in self.named_modules()]

    def named_parameters(self):
        for prefix, module in self.named_modules():
            for name, p in module._parameters.items():
                yield (f"{prefix}.{name}" if prefix else name), p

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def named_buffers(self):
        for prefix, module in self.named_modules():
            for name, b in module._buffers.items():
                yield (f"{prefix}.{name}" if prefix else name), b

    def num_parameters(self):
        return int(sum(p.size for p in self.parameters()))

    # ----------------------------------------------------------------- modes
    def train(self, mode=True):
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def to(self, device=None, dtype=None):
        """Move (and/or cast) every parameter and floating buffer in place; returns self."""
        for m in self.modules():
            for p in m._parameters.values():
                data = p.data if device is None else to_device(p.data, device)
                p.data = data if dtype is None else data.astype(dtype)
                p.grad = None
            for name, b in m._buffers.items():
                data = b if device is None else to_device(b, device)
                if dtype is not None and data.dtype.kind == "f":
                    data = data.astype(dtype)
                m.register_buffer(name, data)
        return self

    # ----------------------------------------------------------------- state
    def state_dict(self):
        """Name -> NumPy array copy, for every parameter and buffer."""
        state = OrderedDict()
        for name, p in self.named_parameters():
            state[name] = to_device(p.data, "cpu").copy()
        for name, b in self.named_buffers():
            state[name] = to_device(b, "cpu").copy()
        return state

    def load_state_dict(self, state, strict=True):
        """Copy arrays into parameters and buffers; unknown, missing or mis-shaped keys raise.

        Every entry is checked before any is copied, so an error leaves the module unchanged.
        """
        own = dict(self.named_parameters())
        buffers = {name: None for name, _ in self.named_buffers()}
        expected = set(own) | set(buffers)
        missing = sorted(expected - set(state))
        unexpected = sorted(set(state) - expected)
        if strict and (missing or unexpected):
            raise KeyError(
                f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}"
            )
        modules = dict(self.named_modules())
        checked = []
        for name, value in state.items():
            if name not in expected:
                continue
            value = np.asarray(value)
            prefix, _, leaf = name.rpartition(".")
            module = modules[prefix]
            current = own[name].data if name in own else module._buffers[leaf]
            if tuple(value.shape) != tuple(current.shape):
                raise ValueError(
                    f"load_state_dict: {name} has shape {tuple(value.shape)} in the state dict, "
                    f"the model expects {tuple(current.shape)}"
                )
            if value.dtype.kind not in "biuf":
                raise TypeError(f"load_state_dict: {name} holds {value.dtype}, not numbers")
            checked.append((name, module, leaf, current, value))
        for name, module, leaf, current, value in checked:
            value = to_device(value.astype(current.dtype), device_of(current))
            if name in own:
                own[name].data = value.copy()
            else:
                module.register_buffer(leaf, value.copy())
        return self

    # ----------------------------------------------------------------- printing
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_repr}")
        return "\n".join(lines) + ("\n)" if self._modules else ")")


class _HookHandle:
    def __init__(self, hooks, key):
        self._hooks, self._key = hooks, key

    def remove(self):
        self._hooks.pop(self._key, None)


class Sequential(Module):
    """Calls its modules in order: Sequential(a, b)(x) == b(a(x))."""

    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            setattr(self, str(i), m)

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x
