"""Task 4.1, wrong: returns float64 spikes."""

REPLACE = [
    ('return (draws < intensity).astype(np.float32)',
     'return (draws < intensity).astype(np.float64)'),
]
EXPECT = 'dtype'
