"""Task 1.2, wrong: dL/da = grad * a (the input's own value) instead of grad * b."""

REPLACE = [
    ('unbroadcast(grad * b, a.shape)',
     'unbroadcast(grad * a, a.shape)'),
]
EXPECT = 'dL/da|input 0|central'
