"""Task 13.4, wrong: penalises the spike count instead of the rate (a missing 1/N)."""

REPLACE = [
    ('term = (s.mean() - target) ** 2',
     'term = (s.sum() - target) ** 2'),
]
EXPECT = 'penalty'
