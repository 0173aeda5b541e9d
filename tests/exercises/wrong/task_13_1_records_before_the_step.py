"""Task 13.1, wrong: stores V before the step's update: off by one step in time."""

REPLACE = [
    ('        v = keep * v + (1 - keep) * current[t]  # V[t] = beta V[t-1] + (1 - beta) I[t]\n        out[t] = v\n',
     '        out[t] = v\n        v = keep * v + (1 - keep) * current[t]  # V[t] = beta V[t-1] + (1 - beta) I[t]\n'),
]
EXPECT = 'after each step'
