"""Task 13.4, wrong: penalises r^2, pulling every rate to 0 instead of the target."""

REPLACE = [
    ('term = (s.mean() - target) ** 2',
     'term = s.mean() ** 2'),
]
EXPECT = 'target'
