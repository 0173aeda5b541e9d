"""Task 1.3, wrong: leaves x[i] at x[i] - eps, so later elements are differenced at a shifted
point."""

REPLACE = [
    ('        x[i] = kept\n',
     ''),
]
EXPECT = 'central|eps'
