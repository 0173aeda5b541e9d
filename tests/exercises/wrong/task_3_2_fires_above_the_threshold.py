"""Task 3.2, wrong: recomputes S[t] with H > threshold instead of H >= threshold."""

REPLACE = [
    ('s = (u >= 0).astype(h.dtype)',
     's = (u > 0).astype(h.dtype)'),
]
EXPECT = 'threshold'
