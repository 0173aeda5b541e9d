"""Task 4.3, wrong: puts ON events in channel 0 and OFF in channel 1."""

REPLACE = [
    ('events[t, 1], events[t, 0] = on, off',
     'events[t, 0], events[t, 1] = on, off'),
]
EXPECT = 'OFF'
