"""Task 5.5, wrong: sends the max map's gradient to every tied maximum."""

REPLACE = [
    ('np.put_along_axis(routed, flat.argmax(axis=3)[..., None], g_top[..., None], axis=3)',
     'routed = (flat == flat.max(axis=3, keepdims=True)) * g_top[..., None]'),
]
EXPECT = 'tie'
