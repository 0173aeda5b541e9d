"""Dataset: the base of tinysnn's data sets, ``dataset[i] -> (transform(sample), label)``.

    class Shapes(Dataset):
        classes = ("square", "ring")
        def __init__(self, train=True, transform=None):
            self.labels = np.array([...])        # [N] int: the class of each sample
            self.transform = transform
        def sample(self, index):                 # 0 <= index < N
            return events_or_frames              # events [n] or frames [T, C, H, W]

The base checks the index (negative ones count from the end, as in a list), reads the sample,
passes it through ``transform`` when there is one and pairs it with its label. A subclass says
what its classes are (``classes``, their names), gives every sample a label (``labels``) and
reads one sample (``sample``); ``__len__`` is the number of labels.
"""

import numbers


class Dataset:
    """``dataset[i] -> (sample, label)``: ``sample(i)`` passed through ``transform`` (if not None)
    and ``int(labels[i])``. Subclasses define ``classes``, ``labels`` and ``sample``."""

    classes = ()
    transform = None

    def sample(self, index):
        """The untransformed sample ``index``, 0 <= index < len(self)."""
        raise NotImplementedError(f"{type(self).__name__} must define sample(index)")

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        n = len(self)
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"{type(self).__name__}: index must be an integer, "
                            f"got {type(index).__name__}")
        if not -n <= index < n:
            raise IndexError(f"{type(self).__name__}: index {index} out of range for {n} items")
        index = int(index) % n
        sample = self.sample(index)
        return (sample if self.transform is None else self.transform(sample)), \
            int(self.labels[index])
