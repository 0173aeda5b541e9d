"""Task 6.1, wrong: the window ends at the last t instead of the last t + 1."""

REPLACE = [
    ('t0, t1 = int(t.min()), int(t.max()) + 1',
     't0, t1 = int(t.min()), int(t.max())'),
]
EXPECT = 'window|bin'
