"""Task 9.3, wrong: compares autograd with central differences of the neuron itself, whose spikes
are steps."""

REPLACE = [
    ('        neuron.fire = lambda h: smooth_spike(h - neuron.threshold, neuron.surrogate)\n',
     ''),
]
EXPECT = 'correct neuron|gradient'
