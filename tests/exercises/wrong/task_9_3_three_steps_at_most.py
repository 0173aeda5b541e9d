"""Task 9.3, wrong: draws sequences of at most 3 steps."""

REPLACE = [
    ('T=st.integers(1, 6)',
     'T=st.integers(1, 3)'),
]
EXPECT = 'draw such inputs'
