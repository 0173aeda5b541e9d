"""Task 5.5, wrong: float64 scratch arrays for the padded maps' gradient (float32 in, float64
out)."""

REPLACE = [
    ('g_padded, g_weight = np.zeros_like(padded), np.zeros_like(weight)',
     'g_padded, g_weight = np.zeros(padded.shape), np.zeros(weight.shape)'),
]
EXPECT = 'dtype'
