"""Task 5.5, wrong: drops the padding from the end only, so the maps' gradient is shifted."""

REPLACE = [
    ('g_mean, g_top = g_padded[:, 0, p:p + H, p:p + W], g_padded[:, 1, p:p + H, p:p + W]',
     'g_mean, g_top = g_padded[:, 0, :H, :W], g_padded[:, 1, :H, :W]'),
]
EXPECT = 'dL/dx'
