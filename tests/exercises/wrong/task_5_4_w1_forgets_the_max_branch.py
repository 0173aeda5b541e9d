"""Task 5.4, wrong: dL/dw1 from the average branch only."""

REPLACE = [
    ('g_w1 = g_z_avg.T @ avg + g_z_max.T @ top',
     'g_w1 = g_z_avg.T @ avg'),
]
EXPECT = 'dL/dw1'
