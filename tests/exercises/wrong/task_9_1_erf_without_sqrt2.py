"""Task 9.1, wrong: the primitive uses erf(u / sigma), a step of the wrong width."""

REPLACE = [
    ('erf(u / (self.sigma * math.sqrt(2)))',
     'erf(u / self.sigma)'),
]
EXPECT = 'normal CDF|primitive'
