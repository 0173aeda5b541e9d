"""Task 7.1, wrong: uses the rate of the output y instead of the input x."""

REPLACE = [
    ('input_rate = np.count_nonzero(x) / x.size',
     'input_rate = np.count_nonzero(y) / y.size'),
]
EXPECT = 'uJ'
