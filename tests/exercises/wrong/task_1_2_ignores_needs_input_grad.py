"""Task 1.2, wrong: computes dL/db even when b needs no gradient."""

REPLACE = [
    (' if ctx.needs_input_grad[1] else None',
     ''),
]
EXPECT = 'must be None'
