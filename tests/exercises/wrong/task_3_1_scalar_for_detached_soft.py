"""Task 3.1, wrong: returns the number 1 (not an array) for a detached soft reset."""

REPLACE = [
    ('rho = np.ones_like(h) if detach_reset',
     'rho = 1.0 if detach_reset'),
]
EXPECT = 'shape'
