"""Task 13.4, wrong: computes the penalty from detached spikes, so no gradient reaches them."""

REPLACE = [
    ('term = (s.mean() - target) ** 2',
     'term = (s.detach().mean() - target) ** 2'),
]
EXPECT = 'must reach|did not reach'
