"""Task 5.4, wrong: spreads dL/davg without dividing by T*H*W."""

REPLACE = [
    ('g_avg[None, :, :, None, None] / (T * H * W)',
     'g_avg[None, :, :, None, None]'),
]
EXPECT = 'dL/dx'
