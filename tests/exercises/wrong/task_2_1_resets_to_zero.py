"""Task 2.1, wrong: the hard reset goes to 0, ignoring v_reset."""

REPLACE = [
    ('v_next = h * (1 - s) + v_reset * s',
     'v_next = h * (1 - s)'),
]
EXPECT = 'v_reset|hard'
