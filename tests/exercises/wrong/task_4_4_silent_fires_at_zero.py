"""Task 4.4, wrong: a class that never fires gets first-spike time 0 (argmax of all False)."""

REPLACE = [
    ('np.where(fired.any(axis=0), fired.argmax(axis=0), spikes.shape[0])',
     'fired.argmax(axis=0)'),
]
EXPECT = 'first spike times'
