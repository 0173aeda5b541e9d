"""Task 9.2, wrong: decays the current with beta and the membrane with alpha."""

REPLACE = [
    ('current = self.alpha * current + x',
     'current = self.beta * current + x'),
    ('h = self.beta * v + current',
     'h = self.alpha * v + current'),
]
EXPECT = 'alpha'
