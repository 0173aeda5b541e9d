"""Task 5.1, wrong: feeds the average pool twice and never the max."""

REPLACE = [
    ('flat.max(axis=2).T  # [B, T]\n    return sigmoid(shared_mlp(avg, w1, w2) + shared_mlp(top, w1, w2))',
     'flat.max(axis=2).T  # [B, T]\n    return sigmoid(shared_mlp(avg, w1, w2) + shared_mlp(avg, w1, w2))'),
]
EXPECT = 'differs'
