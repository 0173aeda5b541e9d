"""Task 12.2, wrong: the spatial gate looks at the last step only, not at every step."""

REPLACE = [
    ('blocks = subject.sum(axis=0).reshape(height, h0 // height, width, w0 // width)',
     'blocks = subject[-1].reshape(height, h0 // height, width, w0 // width)'),
]
EXPECT = r'cells \(0, 0\) and \(1, 1\)'
