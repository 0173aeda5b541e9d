"""Task 3.2, wrong: sizes gH[T] as h.shape[1], which only works for input [T, N]."""

REPLACE = [
    ('g_h_next = np.zeros_like(h[0])',
     'g_h_next = np.zeros(h.shape[1])'),
]
EXPECT = 'shape'
