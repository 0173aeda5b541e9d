"""Task 3.1, wrong: (H - v_reset) psi instead of (v_reset - H) psi."""

REPLACE = [
    ('(v_reset - h) * psi',
     '(h - v_reset) * psi'),
]
EXPECT = 'rho'
