"""Task 8.1, wrong: draws rows of at most 3 values."""

REPLACE = [
    ('shapes(min_dims=1, max_dims=3, max_side=5)',
     'shapes(min_dims=1, max_dims=3, max_side=3)'),
]
EXPECT = 'rows of length'
