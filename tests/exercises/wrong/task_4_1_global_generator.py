"""Task 4.1, wrong: draws from NumPy's global generator instead of rng."""

REPLACE = [
    ('draws = rng.random((T,',
     'draws = np.random.random((T,'),
]
EXPECT = 'seed'
