"""Task 4.1, wrong: draws [T, len(intensity)], which only fits a 1-D intensity."""

REPLACE = [
    ('draws = rng.random((T, *np.shape(intensity)))',
     'draws = rng.random((T, len(intensity)))'),
]
EXPECT = 'shape'
