"""Task 1.1, wrong: averages over the added axes instead of summing the copies' gradients."""

REPLACE = [
    ('grad = grad.sum(axis=tuple(range(added)))',
     'grad = grad.mean(axis=tuple(range(added)))'),
]
EXPECT = 'sum'
