"""Task 13.2, wrong: returns the sum of squares without the square root."""

REPLACE = [
    ('return {layer: math.sqrt(total) for',
     'return {layer: total for'),
]
EXPECT = 'sqrt'
