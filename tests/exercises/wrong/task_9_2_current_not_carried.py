"""Task 9.2, wrong: the state carries X[t] instead of I[t], so the current forgets its past."""

REPLACE = [
    ('return s, h, (self.reset_membrane(h, s), current)',
     'return s, h, (self.reset_membrane(h, s), x)'),
]
EXPECT = 'differ'
