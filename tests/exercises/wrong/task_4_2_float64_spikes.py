"""Task 4.2, wrong: returns float64 spikes."""

REPLACE = [
    ('& (intensity > 0)).astype(np.float32)',
     '& (intensity > 0)).astype(np.float64)'),
]
EXPECT = 'dtype'
