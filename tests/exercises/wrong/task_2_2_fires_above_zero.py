"""Task 2.2, wrong: forward fires on u > 0, so u = 0 gives no spike."""

REPLACE = [
    ('return (u >= 0).astype(u.dtype)',
     'return (u > 0).astype(u.dtype)'),
]
EXPECT = 'u >= 0'
