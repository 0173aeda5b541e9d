"""Training and evaluation of MA-SNNs: epochs, losses, checkpoints, resume, metrics.

    from tinysnn.app.train import TrainConfig, train
    metrics = train(TrainConfig(attention="TCSA", epochs=10, out="runs/tcsa"))

One step: frames [T, B, 2, H, W] -> model -> firing rates [B, classes] -> loss (MSE to one-hot,
as the paper, or cross-entropy) -> backward through the LIF and attention kernels -> Adam.
With the same seed, training on the CPU gives the same numbers on every run, and a run
resumed from a checkpoint continues exactly as if it had not stopped (resume.py).

A loss that becomes NaN or infinite stops the run with TrainingDiverged, naming the epoch and
the step; the checkpoint of the last finished epoch is kept.

metrics.json is written when the last epoch is done, and only then: a folder holds it exactly
when its checkpoint is a finished run (a run's first checkpoint removes the metrics.json of the
run it continues or replaces). When it cannot be written (a full disk), the error names it, and
``train --resume RUN/checkpoint.npz`` writes it again from the finished checkpoint.
"""

import contextlib
import json
import math
import os
import time
from dataclasses import asdict

import numpy as np
from tqdm.auto import tqdm

from .. import functional as F
from .. import optim, random_state
from ..atomic import atomic_open
from ..autograd import no_grad
from ..backend import to_device, xp_of
from ..data.paper_frames import vote
from ..errors import TinysnnError
from ..nn.models import MASNN, AttResSNN
from ..nn.monitor import Monitor
from ..tensor import Tensor
from .checkpoint import save_checkpoint
from .config import ConfigError, TrainConfig  # noqa: F401 (TrainConfig is imported from here)
from .datasets import make_datasets
from .resume import check_epochs_left, check_same_model, read_run_checkpoint, restore
from .run_folder import RunFolderError, claim_run_folder
from .selectivity import selectivity_meter


class TrainingDiverged(TinysnnError, ArithmeticError):
    """The loss became NaN or infinite: the run stops, its last good checkpoint is kept."""


def loss_fn(kind, rates, labels, num_classes):
    """rates: [B, classes] firing rates; labels: [B] ints -> scalar loss Tensor."""
    if kind == "mse":
        xp = xp_of(rates.data)
        target = xp.eye(num_classes, dtype=rates.dtype)[labels]  # one-hot, the paper's target
        return F.mse_loss(rates, Tensor(target))
    return F.cross_entropy(rates, labels)


def clip_grad_norm(params, max_norm):
    """Scale all gradients so that their joint L2 norm is at most max_norm; returns the norm."""
    grads = [p.grad for p in params if p.grad is not None]
    norm = float(np.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads)))  # host
    if norm > max_norm:
        for g in grads:
            g *= max_norm / (norm + 1e-12)
    return norm


def build_model(config, data, nir_graph=None):
    """The run's model (MASNN or AttResSNN) sized for the data's frames (channels, resolution,
    classes), or the NIR graph of a run with config.nir (nir_graph: its checkpoint document)."""
    if config.nir is not None:
        from .nir_model import build_nir_model

        return build_nir_model(config, data, nir_graph)
    c, h, w = data.frame_shape
    if config.model.startswith("attres"):
        return AttResSNN(depth=int(config.model[len("attres"):]), num_classes=data.num_classes,
                         attention=config.attention, T=config.T, in_channels=c)
    return MASNN(attention=config.attention, preset=config.preset, T=config.T, in_channels=c,
                 input_size=h, num_classes=data.num_classes, neuron=config.neuron)


def _scheduler(config, optimizer):
    if config.scheduler == "cosine":
        return optim.CosineAnnealingLR(optimizer, T_max=config.epochs)
    if config.scheduler == "plateau":  # the paper: x0.1 when the training loss stalls 5 epochs
        return optim.ReduceLROnPlateau(optimizer, factor=config.plateau_factor,
                                       patience=config.plateau_patience)
    return None


def train_epoch(model, loader, optimizer, config, num_classes, desc="train"):
    """One pass over the training set; returns (mean loss, accuracy, samples per second).

    Raises TrainingDiverged at the first step whose loss is NaN or infinite.
    """
    model.train()
    total_loss, correct, seen, start = 0.0, 0, 0, time.perf_counter()
    bar = tqdm(loader, desc=desc, leave=False, disable=not config.progress)
    for step, (x, y) in enumerate(bar, start=1):
        rates = model(Tensor(x))
        loss = loss_fn(config.loss, rates, y, num_classes)
        if not math.isfinite(loss.item()):
            raise TrainingDiverged(f"{desc}, step {step}: the loss is {loss.item()} (lr "
                                   f"{optimizer.lr:g}); training stopped")
        optimizer.zero_grad()
        loss.backward()
        if config.clip_grad:
            clip_grad_norm(optimizer.params, config.clip_grad)
        optimizer.step()
        total_loss += loss.item() * len(y)
        correct += int((rates.data.argmax(axis=1) == y).sum())
        seen += len(y)
        rate = seen / (time.perf_counter() - start)
        bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.3f}",
                        samples_s=f"{rate:.1f}")
    return total_loss / seen, correct / seen, seen / (time.perf_counter() - start)


def _check_finite_weights(model, where):
    """Raise TrainingDiverged if a weight became NaN or infinite (e.g. by a huge step)."""
    for name, p in model.named_parameters():
        if not bool(xp_of(p.data).isfinite(p.data).all()):
            raise TrainingDiverged(f"{where}: weight {name} became NaN or infinite; "
                                   f"training stopped")


def clip_rates(model, x):
    """The rates of every clip of a batch of clipped samples (tinysnn.data.PaperFrames).

    x: [clips, B, T, C, H, W] (the loader stacks [clips, T, ...] items on axis 1)
    -> rates [B, clips, classes], from one forward pass over [T, B * clips, C, H, W].
    """
    clips, batch, steps = x.shape[:3]
    sequences = x.transpose(2, 1, 0, *range(3, x.ndim)).reshape(steps, batch * clips,
                                                                 *x.shape[3:])
    return model(Tensor(sequences)).data.reshape(batch, clips, -1)


def evaluate(model, loader, config, num_classes, monitor=None):
    """(mean loss, accuracy, clip accuracy) on a loader, without a graph; counts spikes and
    operations if a Monitor is given (per clip, for clipped samples).

    Items of [clips, T, ...] are classified by the authors' vote: a sample is correct when more
    than half of its clips are; the clip accuracy counts clips. Without clips it is None.
    """
    model.eval()
    total_loss, correct, seen, clips_correct, clips_seen = 0.0, 0, 0, 0, 0
    with monitor if monitor is not None else contextlib.nullcontext(), no_grad():
        for x, y in loader:
            if x.ndim == 6:
                rates = clip_rates(model, x)                          # [B, clips, classes]
                right = rates.argmax(axis=2) == y[:, None]
                labels = xp_of(y).repeat(y, rates.shape[1])
                loss = loss_fn(config.loss, Tensor(rates.reshape(-1, num_classes)), labels,
                               num_classes)
                correct += int(vote(to_device(right, "cpu")).sum())
                clips_correct += int(right.sum())
                clips_seen += right.size
            else:
                rates = model(Tensor(x))
                loss = loss_fn(config.loss, rates, y, num_classes)
                correct += int((rates.data.argmax(axis=1) == y).sum())
            total_loss += loss.item() * len(y)
            seen += len(y)
    return total_loss / seen, correct / seen, (clips_correct / clips_seen if clips_seen else None)


def _train_transform(data):
    """The training set's transform when it has state to checkpoint (e.g. random crops)."""
    transform = getattr(data.train_set, "transform", None)
    return transform if hasattr(transform, "state_dict") else None


def _checkpoint_meta(config, epoch, history, scheduler, transform, nir_graph=None):
    return {
        "nir_graph": nir_graph,
        "config": asdict(config),
        "epoch": epoch,
        "history": history,
        "scheduler": scheduler.state_dict() if scheduler else None,
        "rng": random_state.generator().bit_generator.state,
        "transform": transform.state_dict() if transform else None,
    }


def train(config):
    """Train (or resume) a run; writes checkpoint.npz and metrics.json into config.out.

    Before any work: the settings are checked, a resumed checkpoint is read and checked, and
    the run folder is claimed and locked (run_folder.py): a fresh run never replaces another
    run's files unless config.overwrite, and two runs never write into one folder.
    """
    config.validate()
    checkpoint = None
    if config.resume:
        checkpoint = read_run_checkpoint(config.resume)
        check_same_model(config, checkpoint)
        if not _lacks_metrics(config, checkpoint):
            check_epochs_left(config, checkpoint)
    with claim_run_folder(config.out, resume=config.resume, overwrite=config.overwrite):
        started = time.perf_counter()
        random_state.manual_seed(config.seed)
        data = make_datasets(config)
        try:
            return _train(config, checkpoint, data, started)
        finally:                        # the loaders' worker processes, if any, stop
            data.train_loader.close()
            data.test_loader.close()


def _lacks_metrics(config, checkpoint):
    """A finished run resumed into its own folder, which has no metrics.json (it could not be
    written): the resume only writes it again."""
    own_folder = os.path.realpath(os.path.dirname(checkpoint.path) or ".")
    return (config.epochs == checkpoint.epoch and os.path.realpath(config.out) == own_folder
            and not os.path.exists(os.path.join(config.out, "metrics.json")))


def _train(config, checkpoint, data, started):
    nir_graph = None
    if config.nir is not None:   # the graph travels in the checkpoint: resumes need no file
        from .nir_model import graph_document

        nir_graph = checkpoint.meta["nir_graph"] if checkpoint else graph_document(config.nir)
    model = build_model(config, data, nir_graph).to(config.device)
    optimizer = optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scheduler = _scheduler(config, optimizer)
    history, first_epoch = [], 1
    if checkpoint is not None:
        history, first_epoch = restore(checkpoint, config, model, optimizer, scheduler,
                                       _train_transform(data))

    checkpoint_path = os.path.join(config.out, "checkpoint.npz")
    num_classes, train_loader, test_loader = data.num_classes, data.train_loader, data.test_loader
    monitor = Monitor(model)  # counts spikes and operations in the last epoch's test pass
    meter = selectivity_meter(model, data)  # what attention selects (synthetic gestures)
    if first_epoch > config.epochs:       # a finished run without metrics.json: evaluate it
        with meter or contextlib.nullcontext():
            _, test_acc, clip_acc = evaluate(model, test_loader, config, num_classes, monitor)
        print(f"{checkpoint.path}: finished run of {checkpoint.epoch} epochs; writing its "
              f"metrics.json again", flush=True)
    for epoch in range(first_epoch, config.epochs + 1):
        t0, lr = time.perf_counter(), optimizer.lr
        train_loader.set_epoch(epoch)
        try:
            train_loss, train_acc, speed = train_epoch(
                model, train_loader, optimizer, config, num_classes, desc=f"epoch {epoch}")
            _check_finite_weights(model, f"epoch {epoch}")
        except TrainingDiverged as err:
            last_good = checkpoint_path if epoch > first_epoch else config.resume
            kept = f"; {last_good} (epoch {epoch - 1}) is kept" if last_good else ""
            raise TrainingDiverged(f"{err}{kept}") from None
        with meter or contextlib.nullcontext():
            test_loss, test_acc, clip_acc = evaluate(model, test_loader, config, num_classes,
                                                     monitor if epoch == config.epochs else None)
        if isinstance(scheduler, optim.ReduceLROnPlateau):
            scheduler.step(train_loss)
        elif scheduler is not None:
            scheduler.step()
        history.append({"epoch": epoch, "train_loss": train_loss, "train_accuracy": train_acc,
                        "test_loss": test_loss, "test_accuracy": test_acc,
                        "samples_per_second": speed, "lr": lr,
                        "seconds": time.perf_counter() - t0})
        clips = "" if clip_acc is None else f"  clips {clip_acc:.3f}"
        if clip_acc is not None:
            history[-1]["test_clip_accuracy"] = clip_acc
        if meter is not None:
            history[-1]["attention_selectivity"] = meter.results()
        print(f"epoch {epoch:3d}  loss {train_loss:.4f}  train {train_acc:.3f}  "
              f"test {test_acc:.3f}{clips}  ({history[-1]['seconds']:.1f} s)", flush=True)
        if epoch == first_epoch:          # the checkpoint below is no longer a finished run
            _remove_metrics(config.out)
        _save(checkpoint_path, model.state_dict(), optimizer.state_dict(),
              _checkpoint_meta(config, epoch, history, scheduler, _train_transform(data),
                               nir_graph))

    metrics = summarize(config, model, monitor, history, test_acc, time.perf_counter() - started,
                        clip_accuracy=clip_acc,
                        selectivity=meter.results() if meter is not None else None)
    metrics_path = os.path.join(config.out, "metrics.json")
    try:
        write_json(metrics_path, metrics)
    except OSError as err:
        raise RunFolderError(f"cannot write {metrics_path}: {err.strerror or err}; the finished "
                             f"run is in {checkpoint_path}: python -m tinysnn train --resume "
                             f"{checkpoint_path} writes metrics.json again") from None
    return metrics


def _remove_metrics(folder):
    """Remove the metrics.json of the run a new checkpoint in ``folder`` replaces or continues."""
    path = os.path.join(folder, "metrics.json")
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        raise RunFolderError(f"cannot remove the old {path}: {err.strerror or err}") from None


def _save(path, model_state, optim_state, meta):
    """save_checkpoint, with a full disk or a lost permission as one clear error."""
    try:
        save_checkpoint(path, model_state, optim_state, meta)
    except OSError as err:
        raise RunFolderError(f"cannot write {path}: {err.strerror or err}; the checkpoint of "
                             f"the previous epoch is kept") from None


def summarize(config, model, monitor, history, test_accuracy, seconds, clip_accuracy=None,
              selectivity=None):
    """The metrics.json document: accuracy, spikes, energy, per-layer table, history.

    test_accuracy is per sample (per gesture, by the clips' vote, for clipped test sets);
    clip_accuracy, when there are clips, counts clips. Spikes, operations and energy are per
    network input: per clip when there are clips. selectivity: what the attention modules
    select (selectivity.py), stored as attention_selectivity when given.
    """
    totals = monitor.summary()
    metrics = {
        "config": asdict(config),
        "test_accuracy": test_accuracy,
        "best_test_accuracy": max([h["test_accuracy"] for h in history] + [test_accuracy]),
        "epochs": history,
        "spikes_per_sample": totals["spikes_per_sample"],
        "firing_rate": totals["firing_rate"],
        "synaptic_ops_per_sample": totals["synaptic_ops"],
        "energy_uj_per_sample": totals["energy_uj_per_sample"],
        "attention_energy_uj_per_sample": totals["attention_energy_uj_per_sample"],
        "energy_with_attention_uj_per_sample": totals["energy_with_attention_uj_per_sample"],
        "ann_energy_uj_per_sample": totals["ann_energy_uj_per_sample"],
        "params": model.num_parameters(),
        "seconds": seconds,
        "layers": monitor.layers(),
        "attention_layers": monitor.attention_layers(),
    }
    if clip_accuracy is not None:
        metrics["test_clip_accuracy"] = clip_accuracy
    if selectivity:
        metrics["attention_selectivity"] = selectivity
    return metrics


def strict_json(value):
    """``value`` with every NaN or infinity replaced by None, so that it is valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    return value


def write_json(path, document):
    """Write strict JSON (null where a number is undefined) atomically (temp file + rename)."""
    with atomic_open(path, "w") as f:
        json.dump(strict_json(document), f, indent=2, allow_nan=False)
