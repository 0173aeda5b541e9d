"""Task 4.3, wrong: moves the reference level to every new value, so slow changes never add up."""

REPLACE = [
    ('level = np.where(on | off, signal[t], level)',
     'level = signal[t].astype(np.float64)'),
]
EXPECT = 'reference level'
