"""Task 3.2, wrong: off by one in time: psi and S come from H[t-1]."""

REPLACE = [
    ('u = h[t] - threshold',
     'u = h[t - 1] - threshold'),
]
EXPECT = 'differs|t = '
