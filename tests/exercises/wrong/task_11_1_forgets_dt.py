"""Task 11.1, wrong: steps by 1/tau instead of dt/tau (the step length left out)."""

REPLACE = [('return v + dt / tau * (v_leak - v + r * x)', 'return v + 1 / tau * (v_leak - v + r * x)')]
EXPECT = 'dt'
