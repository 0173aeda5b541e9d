"""Task 1.4, wrong: leaves root.grad at 0, so every gradient is 0."""

REPLACE = [
    ('    root.grad = 1.0\n',
     ''),
]
EXPECT = 'd root / d root|tape'
