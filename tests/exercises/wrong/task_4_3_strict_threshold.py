"""Task 4.3, wrong: fires on |change| > threshold, so a change of exactly the threshold is
missed."""

REPLACE = [
    ('on, off = change >= threshold, change <= -threshold',
     'on, off = change > threshold, change < -threshold'),
]
EXPECT = 'exactly'
