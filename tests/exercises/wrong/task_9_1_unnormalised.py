"""Task 9.1, wrong: the slope exp(-u^2 / 2 sigma^2) without 1 / (sigma sqrt(2 pi))."""

REPLACE = [
    ('scale = 1 / (self.sigma * math.sqrt(2 * math.pi))',
     'scale = 1.0'),
]
EXPECT = 'derivative'
