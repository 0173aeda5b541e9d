"""Task 4.5, wrong: counts accuracy from a second forward pass after the optimizer step."""

REPLACE = [
    ('correct += int((rates.data.argmax(axis=1) == y).sum())',
     'correct += int((model(Tensor(x)).data.argmax(axis=1) == y).sum())'),
]
EXPECT = 'accuracy'
