"""Task 7.1, wrong: counts a convolution's dense ops without H_out W_out."""

REPLACE = [
    (' * y.shape[-2] * y.shape[-1]',
     ''),
]
EXPECT = 'Monitor'
