"""Task 11.1, wrong: leaves out the resistance r (feeds x instead of r x)."""

REPLACE = [('return v + dt / tau * (v_leak - v + r * x)', 'return v + dt / tau * (v_leak - v + x)')]
EXPECT = 'r=3'
