"""Task 1.2, wrong: returns grad * b without summing it back to a's shape."""

REPLACE = [
    ('grad_a = unbroadcast(grad * b, a.shape)',
     'grad_a = grad * b'),
]
EXPECT = 'shape'
