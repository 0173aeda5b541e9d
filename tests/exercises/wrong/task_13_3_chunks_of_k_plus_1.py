"""Task 13.3, wrong: chunks of k + 1 steps (off by one)."""

REPLACE = [
    ('chunk = slice(start, start + k)',
     'chunk = slice(start, start + k + 1)'),
]
EXPECT = 'chunks'
