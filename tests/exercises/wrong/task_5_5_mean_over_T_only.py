"""Task 5.5, wrong: spreads the mean map's gradient over T instead of T*C."""

REPLACE = [
    ('g_mean[None, :, None, :, :] / (T * C)',
     'g_mean[None, :, None, :, :] / T'),
]
EXPECT = 'dL/dx'
