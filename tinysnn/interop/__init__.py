"""NIR in and out: ``from_nir(graph_or_path, dt)`` and ``to_nir(module, input_shape, dt)``.

NIR (the Neuromorphic Intermediate Representation, the ``nir`` package) is the exchange format
of snnTorch, Norse, SpikingJelly, Sinabs, Rockpool, Lava and several chips. It is an optional
extra: ``pip install -e ".[nir]"``. ``import tinysnn`` never imports it; these two functions do,
and without it they raise one line that says how to install it. docs/nir.md is the user page.
"""

from ..errors import TinysnnError


class NIRNotInstalled(TinysnnError, ImportError):
    """The optional ``nir`` package is missing."""


def require_nir():
    """The ``nir`` module, or NIRNotInstalled with the command that installs it."""
    try:
        import nir
    except ImportError:
        raise NIRNotInstalled('NIR support needs the nir package: pip install -e ".[nir]" '
                              '(or pip install nir)') from None
    return nir


def from_nir(graph_or_path, dt, surrogate=None):
    """A NIR graph (a ``nir.NIRGraph`` or a .nir file) as a trainable tinysnn module.

    x [T, B, *input_shape] -> what reaches the Output node, [T, B, *output_shape]; forward Euler
    at ``dt`` for every dynamical node; surrogate: the spikes' slope in backward (default
    Sigmoid(alpha=4.0)). The full rules: ``tinysnn.interop.nir_import.from_nir`` and
    docs/nir.md. Needs the nir extra: pip install -e ".[nir]".
    """
    require_nir()
    from .nir_import import from_nir as build

    return build(graph_or_path, dt, surrogate)


def to_nir(module, input_shape, dt):
    """A ``nir.NIRGraph`` that computes what ``module`` (in eval mode) computes, at ``dt``.

    input_shape: one sample without the time and batch axes, e.g. (2, 32, 32). What NIR cannot
    express is refused (``tinysnn.interop.nir_export.to_nir`` and docs/nir.md list it). Needs
    the nir extra: pip install -e ".[nir]".
    """
    require_nir()
    from .nir_export import to_nir as export

    return export(module, input_shape, dt)
