"""Task 3.2, wrong: carries gV into gH without the reset factor rho."""

REPLACE = [
    ('g_h = g_spikes[t] * psi + g_v * rho',
     'g_h = g_spikes[t] * psi + g_v'),
]
EXPECT = 'rho|differs'
