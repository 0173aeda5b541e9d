"""Task 7.1, wrong: counts one time step instead of T."""

REPLACE = [
    ('synaptic_ops = T * dense * input_rate',
     'synaptic_ops = dense * input_rate'),
]
EXPECT = 'T = 5'
