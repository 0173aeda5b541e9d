"""Task 2.1, wrong: fires on H > threshold instead of H >= threshold."""

REPLACE = [
    ('s = (h >= threshold).astype(x.dtype)',
     's = (h > threshold).astype(x.dtype)'),
]
EXPECT = 'threshold'
