"""Task 5.1, wrong: sums over (C, H, W) instead of averaging (a missing 1/N)."""

REPLACE = [
    ('avg, top = flat.mean(axis=2).T',
     'avg, top = flat.sum(axis=2).T'),
]
EXPECT = 'differs'
