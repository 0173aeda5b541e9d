"""Task 5.1, wrong: returns the gate as [T, B] instead of [B, T]."""

REPLACE = [
    ('avg, top = flat.mean(axis=2).T, flat.max(axis=2).T',
     'avg, top = flat.mean(axis=2), flat.max(axis=2)'),
]
EXPECT = 'shape'
