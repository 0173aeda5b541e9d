"""Task 6.2, wrong: reverses time but keeps ON as ON."""

REPLACE = [
    ('    out["p"] = 1 - out["p"]\n',
     ''),
]
EXPECT = 'ON'
