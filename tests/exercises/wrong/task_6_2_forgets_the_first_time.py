"""Task 6.2, wrong: t -> t_last - t, so the recording starts at 0 instead of keeping its span."""

REPLACE = [
    ('out["t"] = events["t"].min() + events["t"].max() - out["t"]',
     'out["t"] = events["t"].max() - out["t"]'),
]
EXPECT = 'span|t ->'
