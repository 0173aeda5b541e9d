"""Task 4.4, wrong: ties go to the highest class index."""

REPLACE = [
    ('return first.argmin(axis=1).astype(np.int64)',
     'return (first.shape[1] - 1 - first[:, ::-1].argmin(axis=1)).astype(np.int64)'),
]
EXPECT = 'lowest'
