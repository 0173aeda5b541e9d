"""Every JSON document tinysnn reads has its nesting and size bounded: a deeply nested
meta.json, metrics.json or ablation.json is one line naming the file, in every command that
reads it (never a RecursionError)."""

import json
import shutil

import numpy as np
import pytest

from tinysnn import bounded_json
from tinysnn.app.cli import main

TINY = ["--epochs", "1", "--T", "4", "--samples-per-class", "2", "--batch-size", "11",
        "--no-progress", "--attention", "no"]
DEEP = "[" * 200_000 + "]" * 200_000


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    root = tmp_path_factory.mktemp("deep")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TINYSNN_CACHE", str(root / "cache"))
        assert main(["train", "--out", str(root / "run"), *TINY]) == 0
    return root / "run"


def one_line(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "internal error" not in err, err
    return err


def deep_checkpoint(source, target):
    with np.load(source, allow_pickle=False) as archive:
        contents = {name: archive[name] for name in archive.files}
    contents["meta.json"] = np.array(DEEP)
    np.savez(target, **contents)
    return str(target)


@pytest.mark.parametrize("command", [
    lambda ckpt: ["eval", ckpt],
    lambda ckpt: ["train", "--resume", ckpt, "--epochs", "2"],
    lambda ckpt: ["bench", "--checkpoint", ckpt, "--steps", "1"],
], ids=["eval", "resume", "bench"])
def test_a_deeply_nested_checkpoint_metadata_is_refused_by_name(finished, tmp_path, capsys,
                                                                command):
    ckpt = deep_checkpoint(finished / "checkpoint.npz", tmp_path / "deep.npz")
    err = one_line(capsys, command(ckpt))
    assert f"checkpoint {ckpt}: corrupt metadata (nested 200000 levels deep, more than the " \
           f"64 allowed)" in err


@pytest.mark.parametrize("name", ["metrics.json", "ablation.json"])
def test_a_deeply_nested_metrics_or_ablation_file_is_refused_by_name(finished, tmp_path, capsys,
                                                                      name):
    folder = tmp_path / "run"
    shutil.copytree(finished, folder)
    (folder / name).write_text(DEEP)
    err = one_line(capsys, ["plot", str(folder)])
    assert f"{folder / name}: not valid JSON (nested 200000 levels deep" in err


def test_bounds_measure_nesting_outside_strings_and_refuse_long_documents(monkeypatch):
    assert bounded_json.nesting_depth('{"a": "[[[\\"[", "b": [[1]]}') == 3
    assert bounded_json.loads('{"a": "[[[", "b": [[1]]}') == {"a": "[[[", "b": [[1]]}
    nested = "[" * 64 + "]" * 64
    assert bounded_json.loads(nested) == json.loads(nested)
    with pytest.raises(ValueError, match="nested 65 levels deep"):
        bounded_json.loads("[" + nested + "]")
    monkeypatch.setattr(bounded_json, "MAX_CHARACTERS", 10)
    with pytest.raises(ValueError, match="11 characters, more than the 10 allowed"):
        bounded_json.loads('"123456789"')
