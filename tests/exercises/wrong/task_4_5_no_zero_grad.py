"""Task 4.5, wrong: never clears the gradients, so they accumulate over batches."""

REPLACE = [
    ("        optimizer.zero_grad()  # gradients accumulate: clear the last batch's\n",
     ''),
]
EXPECT = 'zero_grad'
