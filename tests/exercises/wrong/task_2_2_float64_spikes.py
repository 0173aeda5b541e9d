"""Task 2.2, wrong: forward returns float64 spikes for float32 u."""

REPLACE = [
    ('return (u >= 0).astype(u.dtype)',
     'return (u >= 0).astype(np.float64)'),
]
EXPECT = 'dtype'
