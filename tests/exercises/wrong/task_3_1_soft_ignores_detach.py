"""Task 3.1, wrong: the soft reset keeps its psi term when detach_reset=True."""

REPLACE = [
    ('rho = np.ones_like(h) if detach_reset else 1 - threshold * psi',
     'rho = 1 - threshold * psi'),
]
EXPECT = 'detach_reset=True'
