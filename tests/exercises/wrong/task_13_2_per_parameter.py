"""Task 13.2, wrong: one entry per parameter instead of per layer."""

REPLACE = [
    ('layer = name.rsplit(".", 1)[0] if "." in name else ""',
     'layer = name'),
]
EXPECT = 'layers'
