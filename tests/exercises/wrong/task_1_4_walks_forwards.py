"""Task 1.4, wrong: walks the nodes in topological order (parents first) instead of in reverse."""

REPLACE = [
    ('for node in reversed(topological_order(root)):',
     'for node in topological_order(root):'),
]
EXPECT = 'tape'
