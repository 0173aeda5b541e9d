"""Task 4.5, wrong: steps the optimizer before backward (with the previous batch's gradients)."""

REPLACE = [
    ('loss.backward()\n        optimizer.step()',
     'optimizer.step()\n        loss.backward()'),
]
EXPECT = 'step before backward'
