"""Task 3.2, wrong: accumulates dL/dX in float32 whatever h's dtype."""

REPLACE = [
    ('g_x = np.empty_like(h)',
     'g_x = np.empty_like(h, dtype=np.float32)'),
]
EXPECT = 'dtype'
