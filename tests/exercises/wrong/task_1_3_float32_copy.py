"""Task 1.3, wrong: copies x as float32, so x + eps rounds and the difference is noise."""

REPLACE = [
    ('x = np.array(x, dtype=np.float64)',
     'x = np.array(x, dtype=np.float32)'),
]
EXPECT = 'dtype'
