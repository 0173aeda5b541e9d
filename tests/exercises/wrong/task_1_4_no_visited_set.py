"""Task 1.4, wrong: visits a Value once per path (no visited set), so shared nodes pass their
gradient on twice."""

REPLACE = [
    ('        if id(node) in visited:\n            return\n',
     ''),
]
EXPECT = 'once'
