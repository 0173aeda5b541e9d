"""Task 12.1, wrong: divides the sums of the gate, not its means (more cells elsewhere)."""

REPLACE = [
    ('return float(gate[mask].mean() / gate[~mask].mean())',
     'return float(gate[mask].sum() / gate[~mask].sum())'),
]
EXPECT = r'expected 0\.6 / 0\.2 = 3\.0'
