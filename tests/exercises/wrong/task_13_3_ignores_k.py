"""Task 13.3, wrong: runs one chunk of all T steps whatever k (full BPTT)."""

REPLACE = [
    ('for start in range(0, len(h), k):',
     'for start in range(0, len(h), len(h)):'),
    ('chunk = slice(start, start + k)',
     'chunk = slice(start, None)'),
]
EXPECT = 'k = '
