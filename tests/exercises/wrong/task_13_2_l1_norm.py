"""Task 13.2, wrong: sums |grad| (an L1 norm) instead of squares."""

REPLACE = [
    ('float((p.grad.astype(np.float64) ** 2).sum())',
     'float(np.abs(p.grad).sum())'),
]
EXPECT = 'squared'
