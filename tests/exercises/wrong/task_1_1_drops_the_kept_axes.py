"""Task 1.1, wrong: sums the stretched axes without keepdims, so they vanish from the shape."""

REPLACE = [
    ('grad.sum(axis=stretched, keepdims=True)',
     'grad.sum(axis=stretched)'),
]
EXPECT = 'shape'
