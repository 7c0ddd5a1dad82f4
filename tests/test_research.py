"""The research scripts (``python -m research.<name>``): public API only, and they run."""

import ast
import importlib
from pathlib import Path

import numpy as np
import pytest

from research import _common
from zominimize.problems import get_problem

RESEARCH = Path(__file__).resolve().parents[1] / "research"
SCRIPTS = sorted(p.stem for p in RESEARCH.glob("*.py") if not p.stem.startswith("_"))


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules |= {f"{node.module}.{alias.name}" for alias in node.names}
    return modules


@pytest.mark.parametrize("path", sorted(RESEARCH.glob("*.py")), ids=lambda p: p.name)
def test_scripts_use_the_public_api_only(path):
    private = {m for m in _imported_modules(path)
               if m.startswith("zominimize.") and any(part.startswith("_")
                                                     for part in m.split(".")[1:])}
    assert not private, f"{path.name} imports private names: {sorted(private)}"
    assert "sys.path" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_script_parses_its_arguments(name, capsys):
    module = importlib.import_module(f"research.{name}")
    with pytest.raises(SystemExit) as exc:
        module.main(["--help"])
    assert exc.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_log_gap_is_relative_to_the_start_and_floored():
    problem = get_problem("sphere-10")  # f = |x - x_opt|^2, f_lower = 0
    x0, x_opt = np.asarray(problem.x0, dtype=float), np.asarray(problem.x_opt)
    assert _common.log_gap(problem, x0, x0) == 0.0
    assert _common.log_gap(problem, x0, x_opt + (x0 - x_opt) / 10) == pytest.approx(-2.0)
    assert _common.log_gap(problem, x0, x_opt) == pytest.approx(-10.0)


def test_box_of_bounded_and_unbounded_problems():
    bounded = get_problem("styblinski-10")
    pairs = _common.box(bounded)
    assert len(pairs) == 10 and pairs[0] == (-5.0, 5.0)
    lb, ub = _common.box_arrays(bounded, np.zeros(10))
    assert np.all(lb == -5.0) and np.all(ub == 5.0)
    free = get_problem("sphere-10")
    assert _common.box(free) is None
    lb, ub = _common.box_arrays(free, np.zeros(10))
    assert np.all(np.isneginf(lb)) and np.all(np.isposinf(ub))


def test_draw_problems_is_reproducible_and_labelled():
    a = _common.draw_problems(2, (10, 20), 1, seed=5)
    b = _common.draw_problems(2, (10, 20), 1, seed=5)
    assert [label for label, _ in a] == ["general", "general", "attack-val"]
    for (_, p), (_, q) in zip(a, b):
        np.testing.assert_array_equal(p.x0, q.x0)
        assert p(p.x0) == q(q.x0)


@pytest.mark.parametrize("seconds, text", [(2.5e-5, "25 µs"), (0.0123, "12.3 ms"),
                                           (3.0, "3.00 s")])
def test_fmt_time(seconds, text):
    assert _common.fmt_time(seconds) == text


def test_iteration_overhead_times_ask_and_tell():
    t = _common.iteration_overhead("zo-sgd", 10, 3)
    assert 0 < t < 1


def test_select_l2l_options_records_a_command_that_reproduces_it(tmp_path, capsys):
    from research import select_l2l_options
    from zominimize.methods.l2l_zo import default_sigma0

    out = tmp_path / "t.md"
    select_l2l_options.main(["--candidates", '[{}, {"sigma0_factor": 0.5}]', "--n-general",
                             "1", "--dims", "5", "5", "--n-attack", "0", "--budget", "42",
                             "--jobs", "1", "--out", str(out)])
    text = out.read_text()
    assert text == capsys.readouterr().out.rstrip("\n") + "\n"
    assert '| `{"sigma0_factor": 0.5}` |' in text
    assert 'Paired with `{}`' in text and '| `{"sigma0_factor": 0.5}` | ' in text
    rel = default_sigma0.__defaults__[-1]
    assert (f"Produced by `python -m research.select_l2l_options --candidates "
            f"'[{{}}, {{\"sigma0_factor\": 0.5}}]' --dims 5 5 --n-general 1 --n-attack 0 "
            f"--weights default --sigma0-rel {rel} --seed 2027 --budget 42`") in text


def test_select_l2l_options_lists_every_draw_on_request(tmp_path, capsys):
    from research import select_l2l_options

    argv = ["--candidates", '[{}, {"sigma0_factor": 0.5}]', "--n-general", "2", "--dims",
            "3", "4", "--n-attack", "0", "--budget", "30", "--jobs", "1", "--seed", "5"]
    select_l2l_options.main(argv)
    assert "Every draw" not in capsys.readouterr().out
    select_l2l_options.main(argv + ["--per-draw"])
    text = capsys.readouterr().out
    rows = [line for line in text.splitlines() if line.startswith(("| 0 |", "| 1 |"))]
    assert len(rows) == 2
    means = {}
    for line in text.splitlines():  # the summary table's mean per candidate
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| `{") and len(cells) == 5:
            means[cells[0]] = float(cells[1])
    per_draw = []
    draws = _common.draw_problems(2, (3, 4), 0, 5)
    for row, (_, problem) in zip(rows, draws):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == str(np.size(problem.x0))  # the draw's own dimension
        assert cells[2] == f"general: {problem.name}"
        ref, cand, diff = (float(c) for c in cells[3:])
        assert diff == pytest.approx(cand - ref, abs=2e-3)
        per_draw.append((ref, cand))
    # the listed draws are the ones the means are taken over, in the same order
    assert np.mean([r for r, _ in per_draw]) == pytest.approx(means["`{}`"], abs=2e-3)
    assert np.mean([c for _, c in per_draw]) == pytest.approx(
        means['`{"sigma0_factor": 0.5}`'], abs=2e-3)
    assert "--budget 30 --per-draw`" in text


def test_paired_differences_of_the_selection_tables():
    from research.select_l2l_options import paired

    ref = [-1.0, -2.0, -3.0, -4.0]
    assert paired(ref, ref) == "+0.000 [+0.000, +0.000]; 0 better, 0 worse"
    text = paired(ref, [-1.5, -2.0, -2.9, -4.2])
    assert text.startswith("-0.150 [") and text.endswith("2 better, 1 worse")
    lo, hi = (float(v) for v in text[text.index("[") + 1:text.index("]")].split(", "))
    assert lo <= -0.150 <= hi and lo < hi
    assert paired([], []) == "-"
    # one draw on a plateau (-1.5) where the other reaches the floor (-10): the clipped
    # mean counts it as one decade
    stall = paired([-10.0, -2.0, -3.0, -4.0], [-1.5, -2.1, -3.1, -4.1], clip=1.0)
    assert stall.startswith("+2.050 [") and "; clipped to ±1: +0.175 [" in stall


def test_select_l2l_options_refuses_held_out_families(capsys):
    from research import select_l2l_options

    with pytest.raises(SystemExit):
        select_l2l_options.main(["--candidates", "[{}]", "--family", "ackley"])
    assert "held out" in capsys.readouterr().err


def test_memory_flat_reports_flat_memory(capsys):
    from research import memory_flat

    assert memory_flat.main(["--iters", "200", "--dim", "10"]) == 0
    assert "-> flat" in capsys.readouterr().out


def test_pair_per_dim_pairs_a_rule_that_changes_spec_with_the_dimension(tmp_path):
    from research.pair_per_dim import pair
    from zominimize.bench import run_benchmark

    paths = []
    for problem, d in (("sphere-10", 10), ("rosenbrock-100", 100)):
        # the candidate's spec names the dimension ("lr = d"), the reference's does not
        res = run_benchmark([problem], ["zo-sgd", f"zo-sgd[lr={d}]"], budget=63, seeds=2)
        paths.append(str(tmp_path / f"{problem}.json"))
        res.to_json(paths[-1])
    paired, scores = pair("zo-sgd", "zo-sgd[lr={d}]", paths)
    assert paired["score"][3] == 4 and paired["d=10"][3] == paired["d=100"][3] == 2
    # every problem has both seeds: the paired mean is the difference of the scores
    assert paired["score"][0] == pytest.approx(scores["candidate"] - scores["zo-sgd"])
    with pytest.raises(ValueError, match="share no run"):
        pair("zo-sgd", "zo-sgd[lr={d}0]", paths)


def test_training_scripts_record_the_command_that_reproduces_them(monkeypatch):
    import zominimize.meta
    from research import train_small_d

    seen = {}
    monkeypatch.setattr(zominimize.meta, "train",
                        lambda cfg, out, **kw: seen.update(cfg=cfg, out=out, **kw))
    train_small_d.main(["--seed", "3", "--out", "w.safetensors", "--horizon", "50"])
    assert seen["command"] == ("python -m research.train_small_d --seed 3 --out "
                               "w.safetensors --horizon 50")
    assert seen["out"] == "w.safetensors" and not seen["resume"]
    assert (seen["cfg"].seed, seen["cfg"].horizon, seen["cfg"].q) == (3, 50, 5)


def test_train_large_mixture_fine_tunes_the_default_on_the_weighted_mixture():
    from research import train_large_mixture

    cfg = train_large_mixture.config(["--out", "w.safetensors", "--seed", "2",
                                      "--weights", "1", "0", "2", "--update-iters", "5"])
    assert (cfg.init_from, cfg.seed, cfg.update_iters) == ("default", 2, 5)
    fam = cfg.family
    assert len(fam.families) == 2  # a zero weight leaves its family out
    assert list(fam.weights) == [1 / 3, 2 / 3]
    assert 600 <= fam.families[0].sample(0).x0.size <= 1000
    assert (cfg.q, cfg.accept) == (20, "always")  # the default weights' training rules
    cfg = train_large_mixture.config(["--out", "w.safetensors", "--init-from", "default-mid",
                                      "--q", "5", "--accept", "improving"])
    assert (cfg.init_from, cfg.q, cfg.accept) == ("default-mid", 5, "improving")
    assert cfg.hidden == 10
    cfg = train_large_mixture.config(["--out", "w.safetensors", "--init-from", "none",
                                      "--hidden", "20"])
    assert (cfg.init_from, cfg.hidden) == (None, 20)
    with pytest.raises(SystemExit, match="--hidden needs --init-from none"):
        train_large_mixture.config(["--out", "w.safetensors", "--hidden", "20"])


def test_train_weighted_mixture_changes_only_what_its_flags_give():
    from research import train_weighted_mixture as script

    plain = script.config(["--out", "w.safetensors", "--seed", "2"])
    cfg = script.config(["--out", "w.safetensors", "--seed", "2", "--update-iters", "7",
                         "--horizon", "40", "--init-from", "default-mid", "--lr-update",
                         "1e-4", "--q", "10", "--accept", "auto", "--bbob-like-weight", "2",
                         "--sigma-down", "auto", "--step-beta1", "0.7"])
    assert (cfg.update_iters, cfg.lr_update, cfg.init_from, cfg.q, cfg.accept) == (
        7, 1e-4, "default-mid", 10, "auto")
    assert (cfg.sigma_down, cfg.step_beta1) == ("auto", 0.7)
    assert (plain.sigma_down, plain.step_beta1) == (0.4, None)
    assert plain.val_family is None
    val = script.config(["--out", "w.safetensors", "--val-bbob-like"]).val_family
    assert "bbob-like" in repr(val) and 100 <= val.sample(0).x0.size <= 1000
    # one horizon for every unroll and for validation: no curriculum
    assert (cfg.horizon, cfg.horizon_start, cfg.val_steps) == (40, 40, 40)
    assert (plain.update_iters, plain.horizon, plain.init_from) == (200, 200, None)
    assert len(plain.family.families) == 2
    assert list(cfg.family.weights) == [0.4, 0.2, 0.4]
    assert "bbob-like" in repr(cfg.family)
    assert 100 <= cfg.family.families[2].sample(0).x0.size <= 1000
    # everything no flag names is the recorded configuration
    untouched = {"batch_size", "lr_query", "truncation", "weighting", "mu_rel", "hidden"}
    assert all(getattr(cfg, k) == getattr(plain, k) for k in untouched)


def test_race_weight_sets_replays_a_race_from_the_recorded_runs():
    import numpy as np

    from research.race_weight_sets import at, race

    # (evaluations, best value, log gap) at each improvement of two runs
    slow_start = np.array([[1, 9.0, -0.1], [300, 4.0, -0.5], [900, 1.0, -2.0]])
    fast_start = np.array([[1, 9.0, -0.1], [50, 4.5, -0.6], [850, 3.0, -0.7]])
    assert at(slow_start, 0) == (np.inf, 0.0) and at(slow_start, 899) == (4.0, -0.5)
    # after 100 evaluations each the second leads; it gets 1000 - 100 in all
    assert race([slow_start, fast_start], 100, 1000) == (-0.7, 1)
    # with 200 evaluations each it gets only 800: its value after 800, not 850
    assert race([slow_start, fast_start], 200, 1000) == (-0.6, 1)
    # after 300 each the slow starter leads, in either order of the sets, and gets the rest
    assert race([slow_start, fast_start], 300, 1200) == (-2.0, 0)
    assert race([fast_start, slow_start], 300, 1100) == (-0.5, 1)  # 800 in all
    # a tie goes to the first set
    assert race([slow_start, slow_start * [1, 1, 0]], 300, 1200) == (-2.0, 0)


def test_race_weight_sets_refuses_an_unknown_set(capsys):
    from research.race_weight_sets import main

    with pytest.raises(SystemExit):
        main(["--seed", "1", "--sets", "D,X"])
    assert "--sets: unknown X; valid: D, A, C" in capsys.readouterr().err


def test_explore_bbob_prints_a_score_per_variant_and_function(capsys):
    pytest.importorskip("ioh")
    from research import explore_bbob

    assert explore_bbob.spec({"q": 2}) == "l2l-zo[sigma0=2,q=2]"
    explore_bbob.main(["2", "{}", '{"q": 1}', "--fids", "1,7", "--seeds", "1",
                       "--budget", "60"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("d=2 {}: ") and " f1:" in lines[0] and " f7:" in lines[0]
    assert lines[1].startswith('d=2 {"q": 1}: ')
    means = [float(line.split("}: ")[1].split()[0]) for line in lines[:2]]
    assert all(-8.0 <= m < 3.0 for m in means) and means[0] != means[1]


def test_explore_bbob_runs_a_spec_variant_and_scores_within_the_first_evaluations(capsys):
    pytest.importorskip("ioh")
    from research import explore_bbob

    assert explore_bbob.spec("zo-adam[lr=2]") == "zo-adam[lr=2]"
    explore_bbob.main(["3", "{}", '"zo-adam[lr=2]"', "--fids", "1,7", "--seeds", "1,2",
                       "--budget", "60", "--at", "5,30,60"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith('d=3 "zo-adam[lr=2]": ')
    for score, within in ((lines[0], lines[1]), (lines[2], lines[3])):
        final = float(score.split(": ")[1].split()[0])
        at = [float(w.split(":")[1]) for w in within.split()[1:]]
        assert within.startswith("    within 5:") and len(at) == 3
        # best-so-far never rises, and the whole budget is the final score
        assert at[0] >= at[1] >= at[2] and at[2] == pytest.approx(final, abs=1e-3)
        assert at[0] > at[2]


def test_explore_bbob_noisy_runs_the_noisy_functions(capsys):
    pytest.importorskip("cma.bbobbenchmarks")
    from research import explore_bbob

    explore_bbob.main(["3", "{}", "--noisy", "--fids", "101,110", "--seeds", "1",
                       "--budget", "60"])
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("d=3 {}: ") and " f101:" in line and " f110:" in line
    with pytest.raises(SystemExit):
        explore_bbob.main(["3", "{}", "--noisy", "--fids", "1"])  # a noise-free fid
    assert "f101-f130 with it" in capsys.readouterr().err
    assert explore_bbob.NOISY_FIDS == tuple(range(101, 122))


def test_swap_networks_takes_each_network_from_its_set(tmp_path):
    import torch

    from research.swap_networks import main
    from zominimize.learned import load_weights

    out = tmp_path / "swapped.safetensors"
    main(["attack", "default", str(out)])
    net, manifest = load_weights(out)
    attack, _ = load_weights("attack")
    default, _ = load_weights("default")
    for name, tensor in net.update_rnn.state_dict().items():
        assert torch.equal(tensor, attack.update_rnn.state_dict()[name])
    for name, tensor in net.query_rnn.state_dict().items():
        assert torch.equal(tensor, default.query_rnn.state_dict()[name])
    assert not torch.equal(attack.update_rnn.cell.weight_ih, default.update_rnn.cell.weight_ih)
    assert "by_dim" not in manifest and "swap_networks attack default" in manifest["command"]


def test_set_default_range_moves_one_entry_and_keeps_the_tensors(tmp_path, monkeypatch):
    import torch

    import research.set_default_range as script
    from zominimize.learned import bundled_weights, load_weights

    monkeypatch.setattr(script, "weights_dir", lambda: tmp_path)
    before = bundled_weights()["default"]["by_dim"]
    for max_d in ("700", "none"):
        script.main(["100", "--max-d", max_d, "--round", "test round"])
        net, manifest = load_weights(tmp_path / "default.safetensors")
        entry = [e for e in manifest["by_dim"] if e["min_d"] == 100][0]
        assert entry.get("max_d") == (700 if max_d == "700" else None)
        # the other entry and the entry's options are untouched
        assert [e for e in manifest["by_dim"] if e["min_d"] != 100] == [
            e for e in before if e["min_d"] != 100]
        assert entry["options"] == [e for e in before if e["min_d"] == 100][0]["options"]
    assert manifest["provenance"].endswith(
        "(the networks of 'default-mid') runs from d = 100 on since the test round "
        "(docs/research.rst), set on fresh selection sets, never on the reported instances, "
        "by research.set_default_range; networks unchanged.")
    original, _ = load_weights("default")
    for name, tensor in net.state_dict().items():
        assert torch.equal(tensor, original.state_dict()[name])
    _, part = load_weights(tmp_path / "default-mid.safetensors")
    assert part["description"].endswith("Since the test round, from d = 100 on in the default.")
    with pytest.raises(SystemExit):
        script.main(["101", "--max-d", "none", "--round", "test round"])


def test_set_default_range_refuses_a_max_d_that_is_neither_an_integer_nor_none(capsys):
    from research import set_default_range as script

    with pytest.raises(SystemExit):
        script.main(["100", "--max-d", "1e3", "--round", "test round"])
    assert 'an integer or "none", not \'1e3\'' in capsys.readouterr().err


def test_val_share_counts_a_median_above_tuned_adam_and_ties_at_the_floor():
    from research.val_share import lost

    runs = {"a": [1.0, 3.0, 2.0], "b": [1e-10, 1e-12, 5.0], "c": [0.5, 0.5, 9.0]}
    adam = {"a": 1.5, "b": 1e-9, "c": 0.5}
    # a: median 2 > 1.5; b: both below the floor, a tie; c: equal medians, a tie
    assert lost(runs, adam) == ["a"]


def test_check_stored_runs_flags_a_row_its_spec_no_longer_makes(tmp_path, capsys):
    """A stored l2l-zo row reproduces from its spec; one whose stored value differs
    (as after a rule that reaches its spec) is reported stale, with exit status 1."""
    from research import check_stored_runs
    from zominimize.bench import run_benchmark

    res = run_benchmark(["sphere-10"], ["l2l-zo", "zo-sgd"], budget=120, seeds=2, workers=1)
    good = tmp_path / "good.json"
    res.to_json(good)
    assert check_stored_runs.main([str(good)]) == 0
    out = capsys.readouterr().out
    assert "1 of 1 runs reproduce" in out and "zo-sgd" not in out  # l2l-zo rows only
    run = res.select("l2l-zo", "sphere-10")[0]
    run.final *= 1.01
    bad = tmp_path / "bad.json"
    res.to_json(bad)
    assert check_stored_runs.main([str(bad)]) == 1
    assert "STALE" in capsys.readouterr().out


def test_check_stored_runs_picks_a_run_a_changed_rule_could_move():
    """Per dimension the check reruns one stored run: not one that ended at the floor
    of its precision (a BBOB sphere), where any rule gives the same final value."""
    import numpy as np

    from research import check_stored_runs
    from zominimize.bench import BenchResult, RunRecord

    def rec(problem, seed, dim, final):
        values = np.array([10.0, final])
        return RunRecord.from_values(values, method="l2l-zo", problem=problem, seed=seed,
                                     instance=problem, dim=dim, budget=2, stop="budget",
                                     wall_time=1.0, fun_time=0.5, f_opt=0.0)

    res = BenchResult(runs=[rec("sphere", 1, 5, 0.0), rec("ellipsoid", 1, 5, 3.0),
                            rec("sphere", 1, 7, 0.0), rec("sphere", 2, 7, 1e-12)], budget=2)
    picked = check_stored_runs._per_dim(res, "l2l-zo")
    assert [(r.dim, r.problem, r.seed) for r in picked] == [(5, "ellipsoid", 1),
                                                           (7, "sphere", 1)]
