"""Task 4.2, wrong: rounds (1 - intensity) T instead of flooring it."""

REPLACE = [
    ('np.floor((1 - intensity) * T)',
     'np.round((1 - intensity) * T)'),
]
EXPECT = 'fired at'
