"""Task 6.1, wrong: indexes frames[bin, p, x, y]."""

REPLACE = [
    ('events["y"], events["x"]), 1)',
     'events["x"], events["y"]), 1)'),
]
EXPECT = '\\[bin, polarity, y, x\\]|index'
