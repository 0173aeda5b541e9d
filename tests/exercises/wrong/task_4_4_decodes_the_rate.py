"""Task 4.4, wrong: decodes by spike count (rate) instead of the first spike."""

REPLACE = [
    ('return first.argmin(axis=1).astype(np.int64)',
     'return spikes.sum(axis=0).argmax(axis=1).astype(np.int64)'),
]
EXPECT = 'first spike'
