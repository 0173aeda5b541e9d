"""Task 9.3, wrong: draws inputs in [0, 2] only: nothing far below the threshold."""

REPLACE = [
    ('min_value=-1.0, max_value=2.0',
     'min_value=0.0, max_value=2.0'),
]
EXPECT = 'draw such inputs'
