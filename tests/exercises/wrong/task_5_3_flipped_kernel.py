"""Task 5.3, wrong: a convolution (flipped kernel) instead of a correlation."""

REPLACE = [
    ('logits = sum(weight[0, c, i, j] * padded',
     'logits = sum(weight[0, c, k - 1 - i, k - 1 - j] * padded'),
]
EXPECT = 'differs'
