"""Task 13.1, wrong: uses 1 - dt/tau also for exact=True."""

REPLACE = [
    ('keep = math.exp(-dt / tau)',
     'keep = 1 - dt / tau'),
]
EXPECT = 'exp\\(-t / tau\\)'
