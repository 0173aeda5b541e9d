"""Task 7.2, wrong: counts the shared MLP once instead of on both pools."""

REPLACE = [
    ('macs += 2 * (n * hidden + hidden * n)',
     'macs += n * hidden + hidden * n'),
]
EXPECT = 'MACs'
