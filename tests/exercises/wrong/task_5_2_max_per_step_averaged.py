"""Task 5.2, wrong: takes the max over (H, W) per step and averages it over T."""

REPLACE = [
    ('avg, top = x.mean(axis=(0, 3, 4)), x.max(axis=(0, 3, 4))  # [B, C]\n',
     'avg, top = x.mean(axis=(0, 3, 4)), x.max(axis=(3, 4)).mean(axis=0)  # [B, C]\n'),
]
EXPECT = 'differs'
