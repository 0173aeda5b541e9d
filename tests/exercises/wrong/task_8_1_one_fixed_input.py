"""Task 8.1, wrong: checks one fixed [3, 4] input."""

REPLACE = [
    ('check_function(Fn, arrays(shapes(min_dims=1, max_dims=3, max_side=5)))',
     'check_function(Fn, arrays((3, 4)))'),
]
EXPECT = 'draw such inputs'
