"""Task 5.2, wrong: one MLP pass on avg + max instead of the sum of two passes (ReLU is not
linear)."""

REPLACE = [
    ('# [B, C]\n    return sigmoid(shared_mlp(avg, w1, w2) + shared_mlp(top, w1, w2))',
     '# [B, C]\n    return sigmoid(shared_mlp(avg + top, w1, w2))'),
]
EXPECT = 'differs'
