"""Optimizers and schedulers follow their published update rules, on numbers worked by hand."""

import math

import numpy as np
import pytest

from tinysnn import optim
from tinysnn.nn import Parameter


def one_param(value=1.0):
    return Parameter(np.array([value], dtype=np.float64))


def run(opt, p, grads):
    for g in grads:
        p.grad = np.array([g], dtype=np.float64)
        opt.step()
    return p.data[0]


def test_sgd_plain_step():
    p = one_param()
    assert run(optim.SGD([p], lr=0.1), p, [0.5]) == pytest.approx(0.95)


def test_sgd_momentum_buffer_starts_at_first_gradient():
    p = one_param()
    # step 1: buf = 0.5, p = 1 - 0.05; step 2: buf = 0.9 * 0.5 + 0.5 = 0.95, p = 0.95 - 0.095
    assert run(optim.SGD([p], lr=0.1, momentum=0.9), p, [0.5, 0.5]) == pytest.approx(0.855)


def test_sgd_nesterov_looks_ahead():
    p = one_param()
    # buf = 0.5; update = g + mu * buf = 0.95
    opt = optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    assert run(opt, p, [0.5]) == pytest.approx(0.905)


def test_sgd_weight_decay_adds_to_gradient():
    p = one_param()
    assert run(optim.SGD([p], lr=0.1, weight_decay=0.1), p, [0.5]) == pytest.approx(0.94)


def test_adam_two_steps():
    p = one_param()
    # step 1: m_hat = 0.5, v_hat = 0.25 -> p = 1 - 0.1 * 0.5 / 0.5 = 0.9
    # step 2 (g = -0.5): m = -0.005, m_hat = -0.005 / 0.19; v_hat = 0.00049975 / 0.001999 = 0.25
    expected = 0.9 + 0.1 * (0.005 / 0.19) / 0.5
    assert run(optim.Adam([p], lr=0.1), p, [0.5, -0.5]) == pytest.approx(expected, rel=1e-6)


def test_adam_l2_and_adamw_decoupled_decay_differ_as_published():
    p = one_param()
    assert run(optim.Adam([p], lr=0.1, weight_decay=0.1), p, [0.5]) == pytest.approx(0.9)
    p = one_param()
    # AdamW: p *= 1 - lr * wd = 0.99, then the plain Adam step of 0.1
    assert run(optim.AdamW([p], lr=0.1, weight_decay=0.1), p, [0.5]) == pytest.approx(0.89)


def test_parameters_without_gradient_are_left_alone():
    p, q = one_param(), one_param(2.0)
    opt = optim.Adam([p, q], lr=0.1)
    p.grad = np.array([1.0])
    opt.step()
    assert q.data[0] == 2.0 and p.data[0] != 1.0


def test_optimizer_state_round_trips():
    p = one_param()
    opt = optim.Adam([p], lr=0.1)
    run(opt, p, [0.5, 0.2])
    p2 = one_param(p.data[0])
    opt2 = optim.Adam([p2], lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    assert run(opt, p, [0.3]) == run(opt2, p2, [0.3])


def test_steplr():
    opt = optim.SGD([one_param()], lr=1.0)
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        sched.step()
        lrs.append(opt.lr)
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25]


def test_cosine_annealing():
    opt = optim.SGD([one_param()], lr=1.0)
    sched = optim.CosineAnnealingLR(opt, T_max=4, eta_min=0.0)
    lrs = []
    for _ in range(4):
        sched.step()
        lrs.append(opt.lr)
    c = math.cos(math.pi / 4)
    assert lrs == pytest.approx([(1 + c) / 2, 0.5, (1 - c) / 2, 0.0])


def test_reduce_on_plateau_waits_patience_epochs():
    opt = optim.SGD([one_param()], lr=1.0)
    sched = optim.ReduceLROnPlateau(opt, factor=0.5, patience=2)
    lrs = []
    for metric in [1.0, 1.0, 1.0, 1.0, 0.5, 0.5]:
        sched.step(metric)
        lrs.append(opt.lr)
    # epoch 1 sets best; 2 and 3 are bad (2 <= patience); 4 is the third bad epoch -> halve
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]


def test_bad_hyperparameters_are_named():
    with pytest.raises(ValueError, match="lr"):
        optim.SGD([one_param()], lr=-1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([], lr=0.1)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([one_param()], betas=(1.0, 0.9))


def adam_by_hand(p, grads, lr, betas, eps, weight_decay, decoupled):
    """Adam (Kingma & Ba) and AdamW (Loshchilov & Hutter) written out from the papers, in Python
    floats, one step after another: the trajectory the optimizers must follow."""
    b1, b2 = betas
    m = v = 0.0
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p -= lr * weight_decay * p      # AdamW: decay the weight, not the gradient
        else:
            g += weight_decay * p           # L2: the gradient of wd/2 p^2 is +wd p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
    return p


@pytest.mark.parametrize("kind", ["Adam", "AdamW"])
def test_adam_follows_the_published_trajectory_with_weight_decay(kind):
    grads = [0.5, -0.2, 0.05, 0.3, -0.6, 0.01, 0.0, 0.2]
    settings = dict(lr=0.05, betas=(0.8, 0.95), eps=1e-8, weight_decay=0.3)
    p = one_param(2.0)
    got = run(getattr(optim, kind)([p], **settings), p, grads)
    assert got == pytest.approx(adam_by_hand(2.0, grads, **settings,
                                             decoupled=kind == "AdamW"), rel=1e-12)


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.5),
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.5),
    lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.5),
    lambda ps: optim.AdamW(ps, lr=0.1, weight_decay=0.5),
])
def test_weight_decay_alone_pulls_weights_toward_zero(make):
    """With a zero loss gradient, only the decay acts: |p| must shrink at every step, from
    either side (a flipped sign would push the weights away from zero)."""
    ps = [one_param(1.5), one_param(-1.5)]
    opt = make(ps)
    previous = [1.5, -1.5]
    for _ in range(5):
        for p in ps:
            p.grad = np.zeros(1)
        opt.step()
        now = [p.data[0] for p in ps]
        assert abs(now[0]) < abs(previous[0]) and abs(now[1]) < abs(previous[1])
        assert now[0] > 0 > now[1]
        previous = now
