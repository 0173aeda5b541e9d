"""Task 5.3, wrong: stacks [max, mean] instead of [mean, max]."""

REPLACE = [
    ('[B, H, W].\n    """\n    maps = np.stack([x.mean(axis=(0, 2)), x.max(axis=(0, 2))], axis=1)',
     '[B, H, W].\n    """\n    maps = np.stack([x.max(axis=(0, 2)), x.mean(axis=(0, 2))], axis=1)'),
]
EXPECT = 'mean|max|differs'
