"""Task 4.2, wrong: leaves out min(..., T - 1): a tiny intensity lands on step T and never fires."""

REPLACE = [
    ('np.minimum(np.floor((1 - intensity) * T), T - 1)',
     'np.floor((1 - intensity) * T)'),
]
EXPECT = 'T - 1'
