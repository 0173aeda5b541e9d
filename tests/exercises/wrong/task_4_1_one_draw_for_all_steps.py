"""Task 4.1, wrong: draws once per value and repeats it at every step."""

REPLACE = [
    ('draws = rng.random((T, *np.shape(intensity)))',
     'draws = np.broadcast_to(rng.random(np.shape(intensity)), (T, *np.shape(intensity)))'),
]
EXPECT = 'draw anew|independent'
