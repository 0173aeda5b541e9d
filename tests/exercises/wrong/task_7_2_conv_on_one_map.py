"""Task 7.2, wrong: counts the 2 -> 1 convolution as k^2 H W (one map)."""

REPLACE = [
    ('macs += 2 * k * k * x_shape[-2] * x_shape[-1]',
     'macs += k * k * x_shape[-2] * x_shape[-1]'),
]
EXPECT = 'Monitor'
