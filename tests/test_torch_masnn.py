"""The PyTorch MASNN of ``bench --compare`` computes what tinysnn's computes (skipped without
torch): same firing rates forward, same gradients for every parameter, for the same weights."""

import numpy as np
import pytest

import tinysnn as ts
from tinysnn import functional as F

torch = pytest.importorskip("torch")
from tinysnn.app.torch_masnn import from_tinysnn  # noqa: E402  (needs torch)


@pytest.mark.parametrize("attention", ["no", "TCSA", "TA", "CSA"])
def test_the_pytorch_twin_gives_the_same_outputs_and_gradients(attention):
    ts.manual_seed(0)
    model = ts.models.MASNN(attention=attention, T=6, channels=(8, 16), pools=(2, 2),
                            hidden=(32,))
    twin = from_tinysnn(model)
    rng = np.random.default_rng(1)
    x = (rng.random((6, 3, 2, 32, 32)) < 0.2).astype(np.float32)
    target = np.eye(11, dtype=np.float32)[[0, 3, 5]]
    rates = model(ts.Tensor(x))
    F.mse_loss(rates, ts.Tensor(target)).backward()
    twin_rates = twin(torch.from_numpy(x))
    torch.nn.functional.mse_loss(twin_rates, torch.from_numpy(target)).backward()
    np.testing.assert_array_equal(rates.data, twin_rates.detach().numpy())
    twin_params = dict(twin.named_parameters())
    # relative to the largest gradient; a bias just before batch norm has an exact gradient of
    # 0, so both sides hold only the rounding of a sum that cancels there
    scale = max(np.abs(p.grad).max() for p in model.parameters())
    for name, p in model.named_parameters():
        atol = 1e-3 if name.endswith(("conv.bias", "fc.bias")) else 1e-5
        np.testing.assert_allclose(p.grad / scale, twin_params[name].grad.numpy() / scale,
                                   atol=atol, err_msg=name)


def test_controls_and_other_cells_are_refused_by_name():
    with pytest.raises(ValueError, match="'const-gate' is not built in PyTorch"):
        from_tinysnn(ts.models.MASNN(attention="const-gate", T=4))
    with pytest.raises(ValueError, match="only the MA-SNN cell"):
        from_tinysnn(ts.models.MASNN(attention="no", T=4, neuron="lif"))
