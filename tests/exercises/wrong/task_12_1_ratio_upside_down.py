"""Task 12.1, wrong: divides the mean elsewhere by the mean on the subject."""

REPLACE = [
    ('return float(gate[mask].mean() / gate[~mask].mean())',
     'return float(gate[~mask].mean() / gate[mask].mean())'),
]
EXPECT = r'0\.6 / 0\.2 = 3\.0'
