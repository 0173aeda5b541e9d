"""Task 4.3, wrong: allocates events [T, 2, N], which only fits a signal [T, N]."""

REPLACE = [
    ('np.zeros((signal.shape[0], 2, *signal.shape[1:]), np.float32)',
     'np.zeros((signal.shape[0], 2, signal.shape[1]), np.float32)'),
]
EXPECT = 'shape'
