"""The ``zominimize`` command line as a user meets it: --version, options, help texts,
a closed pipe, and the demo without matplotlib."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest
import torch

import zominimize
from zominimize._cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"zominimize {zominimize.__version__}"


def test_options_is_plain_text(capsys):
    assert main(["options", "l2l-zo"]) == 0
    out = capsys.readouterr().out
    assert "weights :" in out and "maxfev" in out
    for markup in ("``", ":func:", ":class:", ":doc:", ".. math::"):
        assert markup not in out, markup


@pytest.mark.parametrize("name", ["nelder-mead", "Powell", "cobyqa"])
def test_options_of_a_scipy_method_shows_scipys_options(name, capsys):
    import scipy.optimize

    assert main(["options", name]) == 0
    out = capsys.readouterr().out
    assert "one of SciPy's methods" in out
    doc = scipy.optimize.show_options("minimize", name.lower(), disp=False)
    assert doc.strip().splitlines()[0].strip() in out


def test_options_of_an_unknown_method_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["options", "foo"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Unknown method 'foo'" in err and "Traceback" not in err


def test_a_closed_pipe_is_quiet():
    """``zominimize options | head -1``: no BrokenPipeError on stderr."""
    proc = subprocess.Popen([sys.executable, "-m", "zominimize", "options"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    proc.stderr.close()
    assert "BrokenPipe" not in err and "Traceback" not in err, err


def test_every_train_flag_has_a_description():
    import argparse

    from zominimize._cli import _add_train
    from zominimize.meta import TrainConfig

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd")
    _add_train(sub)
    train = sub.choices["train"]
    helps = {a.dest: a.help for a in train._actions}
    for f in dataclasses.fields(TrainConfig):
        text = helps[f.name]
        assert text and not text.startswith("(default"), f"--{f.name} has no description"
        assert "``" not in text and ":func:" not in text
    train.format_help()  # a '%' in a description would break argparse's formatting


# -- the demo --------------------------------------------------------------------------------


def test_demo_without_matplotlib_prints_the_table_and_says_how_to_get_the_picture(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    out = tmp_path / "demo.png"
    assert main(["demo", "--budget", "42", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "| l2l-zo |" in text and "| ZO-Adam |" in text
    assert f"({torch.backends.cpu.get_cpu_capability()} kernels) on " in text  # the CPU
    assert "pip install 'zominimize[plot]'" in text
    assert not out.exists()


def test_demo_writes_the_picture(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "demo.png"
    assert main(["demo", "--budget", "42", "--out", str(out)]) == 0
    assert out.stat().st_size > 10_000
    assert f"wrote {out}" in capsys.readouterr().out


def test_options_text_is_filled_to_the_terminal_width():
    """The option texts are re-filled after the markup is gone: no line runs past 79
    columns unless it is an option's header, and no prose line is left short in the
    middle of a paragraph (the source's wrapping, shortened by the markup removal)."""
    text = zominimize.show_options("l2l-zo", disp=False)
    lines = text.splitlines()
    for line in lines:
        assert len(line) <= 79 or " : " in line, line
    for line, after in zip(lines, lines[1:]):
        if (line.startswith("    ") and after.startswith("    ") and after.strip()
                and not after.startswith("     ") and not line.startswith("     ")):
            # the next line's first word would have fitted on this one
            assert len(line) + 1 + len(after.split()[0]) > 79, (line, after)


def test_reflow_keeps_literal_blocks_lists_and_entries():
    from zominimize._text import reflow

    text = ("Title\n-----\nSome prose that\nwas wrapped early.\n\n"
            "    x_{t+1} = x_t\n        - lr g\n\n"
            "name : int\n    An entry's text,\n    wrapped.\n"
            "other : str\n    - one item\n    - another\n")
    out = reflow(text)
    assert out.splitlines() == [
        "Title", "-----", "Some prose that was wrapped early.", "",
        "    x_{t+1} = x_t", "        - lr g", "",
        "name : int", "    An entry's text, wrapped.",
        "other : str", "    - one item", "    - another"]
