"""Task 6.2, wrong: sorts the events in their original order, so events of equal time are not
reversed."""

REPLACE = [
    ('out = events[::-1].copy()',
     'out = events.copy()'),
]
EXPECT = 'equal time'
