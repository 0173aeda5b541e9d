"""Task 7.2, wrong: E counts the whole batch instead of one sample."""

REPLACE = [
    ('elements = T * int(np.prod(features))',
     'elements = T * x_shape[1] * int(np.prod(features))'),
]
EXPECT = 'uJ'
