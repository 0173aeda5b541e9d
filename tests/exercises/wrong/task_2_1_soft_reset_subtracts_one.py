"""Task 2.1, wrong: the soft reset subtracts 1 instead of the threshold."""

REPLACE = [
    ('v_next = h - threshold * s',
     'v_next = h - s'),
]
EXPECT = 'soft'
