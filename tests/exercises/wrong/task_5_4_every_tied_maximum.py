"""Task 5.4, wrong: sends the max pool's gradient to every tied maximum."""

REPLACE = [
    ('np.put_along_axis(routed, flat.argmax(axis=2)[..., None], g_top[..., None], axis=2)',
     'routed = (flat == flat.max(axis=2, keepdims=True)) * g_top[..., None]'),
]
EXPECT = 'tie'
