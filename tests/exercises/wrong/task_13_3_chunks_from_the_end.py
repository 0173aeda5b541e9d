"""Task 13.3, wrong: cuts the chunks from the last step backwards, so the short chunk is the
first."""

REPLACE = [
    ('chunk = slice(start, start + k)',
     'chunk = slice(max(len(h) - start - k, 0), len(h) - start)'),
]
EXPECT = 'chunks'
