"""Task 12.2, wrong: the temporal gate is the floor where the subject is and 1 elsewhere."""

REPLACE = [
    ('temporal = np.where(subject.sum(axis=(1, 2)) > 0, 1.0, floor)',
     'temporal = np.where(subject.sum(axis=(1, 2)) > 0, floor, 1.0)'),
]
EXPECT = r'the subject is in steps 0 and 2'
