"""Task 13.1, wrong: the exact decay beta, but the input weighted by dt/tau (Euler's) instead of 1 -
beta."""

REPLACE = [
    ('v = keep * v + (1 - keep) * current[t]',
     'v = keep * v + dt / tau * current[t]'),
]
EXPECT = 'exp\\(-t / tau\\)'
