"""Task 11.1, wrong: leaks toward 0 instead of toward v_leak."""

REPLACE = [('return v + dt / tau * (v_leak - v + r * x)', 'return v + dt / tau * (-v + r * x)')]
EXPECT = 'v_leak'
