"""Task 9.1, wrong: np.sqrt(2 * np.pi) is a NumPy float64, which turns float32 input into
float64."""

REPLACE = [
    ('scale = 1 / (self.sigma * math.sqrt(2 * math.pi))',
     'scale = 1 / (self.sigma * np.sqrt(2 * np.pi))'),
]
EXPECT = 'dtype|float32'
