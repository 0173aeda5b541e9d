"""Task 5.4, wrong: routes the max gradient through a float64 scratch array (float32 in, float64
out)."""

REPLACE = [
    ('routed = np.zeros_like(flat)\n        np.put_along_axis(routed, flat.argmax(axis=2)',
     'routed = np.zeros(flat.shape)\n        np.put_along_axis(routed, flat.argmax(axis=2)'),
]
EXPECT = 'dtype'
