"""Task 2.2, wrong: backward passes grad through unchanged (a straight-through estimator)."""

REPLACE = [
    ('return (grad * ctx.surrogate.derivative(u),)',
     'return (grad,)'),
]
EXPECT = 'surrogate'
