"""Task 1.4, wrong: parent.grad = node.grad * local instead of +=, so a Value used twice keeps one
path."""

REPLACE = [
    ('parent.grad += node.grad * local  #',
     'parent.grad = node.grad * local  #'),
]
EXPECT = 'sum over both paths|\\+='
