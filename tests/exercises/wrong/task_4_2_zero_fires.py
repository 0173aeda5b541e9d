"""Task 4.2, wrong: a value of 0 fires at the last step instead of never."""

REPLACE = [
    (' & (intensity > 0)',
     ''),
]
EXPECT = 'never'
