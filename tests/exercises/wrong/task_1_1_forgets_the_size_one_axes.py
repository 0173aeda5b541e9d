"""Task 1.1, wrong: sums only the leading axes broadcasting added, not the axes of size 1 it
stretched."""

REPLACE = [
    ('stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)',
     'stretched = ()'),
]
EXPECT = 'shape'
