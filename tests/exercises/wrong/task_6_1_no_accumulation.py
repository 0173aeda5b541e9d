"""Task 6.1, wrong: frames[...] += 1 with fancy indexing: repeated events count once."""

REPLACE = [
    ('np.add.at(frames, (time_bin, events["p"].astype(np.int64), events["y"], events["x"]), 1)',
     'frames[time_bin, events["p"].astype(np.int64), events["y"], events["x"]] += 1'),
]
EXPECT = 'count'
