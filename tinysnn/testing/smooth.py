"""A spike with a smooth forward, so that central differences can check surrogate gradients.

The Heaviside is flat almost everywhere: finite differences of a spiking network see nothing,
and the surrogate gradient is a choice, not a derivative. Replace the Heaviside by the
surrogate's ``primitive`` (the smooth step whose slope the surrogate is) and the network becomes
smooth, with a true gradient equal to what backward computes. ``SmoothSpike`` keeps
``F.spike``'s backward and changes only its forward, so checking it checks F.spike:

    class SmoothMyNeuron(MyNeuron):                 # in a test: the same neuron, made smooth
        def fire(self, h):
            return smooth_spike(h - self.threshold, self.surrogate)

    assert_grad_close(lambda x: SmoothMyNeuron()(x), x)
"""

from ..functional.spike import Spike


class SmoothSpike(Spike):
    """u -> surrogate.primitive(u); backward is Spike's: grad * surrogate.derivative(u)."""

    @staticmethod
    def forward(ctx, u, surrogate):
        Spike.forward(ctx, u, surrogate)  # saves what Spike.backward reads
        return surrogate.primitive(u)


def smooth_spike(u, surrogate):
    """F.spike with the surrogate's smooth step in place of the Heaviside.  u: any shape."""
    return SmoothSpike.apply(u, surrogate=surrogate)
