"""Task 8.1, wrong: draws 1-D inputs only."""

REPLACE = [
    ('shapes(min_dims=1, max_dims=3, max_side=5)',
     'shapes(min_dims=1, max_dims=1, max_side=5)'),
]
EXPECT = 'draw such inputs'
