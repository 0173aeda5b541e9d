"""Task 1.3, wrong: uses a fixed step of 1e-6 instead of the eps argument."""

REPLACE = [
    ('x[i] = kept + eps',
     'x[i] = kept + 1e-6'),
    ('x[i] = kept - eps',
     'x[i] = kept - 1e-6'),
    ('(above - below) / (2 * eps)',
     '(above - below) / 2e-6'),
]
EXPECT = 'eps'
