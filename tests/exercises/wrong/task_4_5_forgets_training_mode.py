"""Task 4.5, wrong: never calls model.train()."""

REPLACE = [
    ('    model.train()\n',
     ''),
]
EXPECT = 'training mode'
