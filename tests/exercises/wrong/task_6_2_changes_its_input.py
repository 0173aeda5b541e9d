"""Task 6.2, wrong: works on a view of the input and changes it."""

REPLACE = [
    ('out = events[::-1].copy()',
     'out = events[::-1]'),
]
EXPECT = 'changed its input'
