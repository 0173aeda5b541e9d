"""Task 13.2, wrong: NumPy float64 norms instead of Python floats."""

REPLACE = [
    ('return {layer: math.sqrt(total) for',
     'return {layer: np.sqrt(total) for'),
]
EXPECT = 'Python floats'
