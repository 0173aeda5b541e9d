"""Task 2.1, wrong: spikes as float64 whatever the input's dtype."""

REPLACE = [
    ('s = (h >= threshold).astype(x.dtype)',
     's = (h >= threshold).astype(np.float64)'),
]
EXPECT = 'dtype'
