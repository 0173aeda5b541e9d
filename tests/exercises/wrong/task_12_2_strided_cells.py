"""Task 12.2, wrong: cell (i, j) gathers every height-th pixel (a stride), not a block."""

REPLACE = [
    ('blocks = subject.sum(axis=0).reshape(height, h0 // height, width, w0 // width)\n'
     '    spatial = np.where(blocks.sum(axis=(1, 3)) > 0, 1.0, floor)',
     'blocks = subject.sum(axis=0).reshape(h0 // height, height, w0 // width, width)\n'
     '    spatial = np.where(blocks.sum(axis=(0, 2)) > 0, 1.0, floor)'),
]
EXPECT = r'cells \(0, 0\) and \(1, 1\)'
