"""Task 13.1, wrong: adds I[t] instead of (1 - beta) I[t], as tinysnn's LIF does (it folds that
factor into the weights)."""

REPLACE = [
    ('v = keep * v + (1 - keep) * current[t]',
     'v = keep * v + current[t]'),
]
EXPECT = 'V .*differs'
