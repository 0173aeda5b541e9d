"""Task 1.3, wrong: a one-sided difference (f(x + eps) - f(x)) / eps."""

REPLACE = [
    ('x[i] = kept - eps\n        below = f(x)',
     'x[i] = kept\n        below = f(x)'),
    ('(above - below) / (2 * eps)',
     '(above - below) / eps'),
]
EXPECT = 'central|one-sided'
