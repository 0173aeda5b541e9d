"""Task 9.2, wrong: carries H instead of the reset membrane."""

REPLACE = [
    ('return s, h, (self.reset_membrane(h, s), current)',
     'return s, h, (h, current)'),
]
EXPECT = 'differ'
