"""Task 6.1, wrong: computes the bin in floating point, which rounds down at some bin edges."""

REPLACE = [
    ('time_bin = (t - t0) * T // (t1 - t0)',
     'time_bin = ((t - t0) / (t1 - t0) * T).astype(np.int64)'),
]
EXPECT = 'bin'
