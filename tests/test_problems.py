"""Tests of zominimize.problems: every named problem and every family, in every form."""

from __future__ import annotations

import functools
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from zominimize._safetensors import load_file, save_file
from zominimize.problems import (
    HELD_OUT_FAMILIES,
    TRAINING_FAMILIES,
    VALIDATION_FAMILIES,
    Ackley,
    Attack,
    AttackFamily,
    BinaryClassification,
    Family,
    LogisticRegression,
    MixtureFamily,
    Noisy,
    NoisyFamily,
    Peaks,
    Problem,
    Quadratic,
    QuadraticFamily,
    RandomScaleFamily,
    Rastrigin,
    Rosenbrock,
    RosenbrockFamily,
    Scaled,
    SmallNet,
    StyblinskiTang,
    Warped,
    attack_problem,
    get_family,
    get_problem,
    list_families,
    list_problems,
    noise_free,
)
from zominimize.problems._digits import cnn, load_bundle, tensor_sha256
from zominimize.problems._rotation import Rotation

# Small dimensions keep the whole file fast; the attack families have no dimension.
FAMILY_OPTIONS = {
    "general": {"dim": (5, 30)},
    "bbob-like": {"dim": (2, 30)},
    "classification": {"dim": (5, 30)},
    "quadratic": {"dim": (5, 30)},
    "rosenbrock": {"dim": (5, 30)},
    "rastrigin": {"dim": (5, 30)},
    "ackley": {"dim": (5, 30)},
    "salomon": {"dim": (5, 30)},
    "alpine": {"dim": (5, 30)},
    "logistic": {"dim": (5, 30)},
    "styblinski": {"dim": (5, 30)},
    "levy": {"dim": (5, 30)},
    "smallnet": {"in_dim": (2, 3), "hidden": (3, 6)},
}
# Seeds 0..13 of the small "general" family cover all its components, noisy ones included.
FAMILY_SEEDS = {"general": range(14), "bbob-like": range(8)}
REQUIRED_PROBLEMS = {
    "classification-100",
    "classification-1000",
    "attack",
    "rosenbrock-10",
    "quadratic-ill-100",
    "rastrigin-10",
}
REQUIRED_FAMILIES = {
    "classification",
    "attack-train",
    "attack-val",
    "attack-test",
    "quadratic",
    "rosenbrock",
    "rastrigin",
    "ackley",
    "logistic",
    "smallnet",
    "general",
}


def small_family(name: str) -> Family:
    return get_family(name, **FAMILY_OPTIONS.get(name, {}))


@functools.cache
def build(kind: str, name: str, seed: int | None) -> Problem:
    return get_problem(name) if kind == "problem" else small_family(name).sample(seed)


CASES = [pytest.param(("problem", name, None), id=name) for name in list_problems()] + [
    pytest.param(("family", name, seed), id=f"{name}-{seed}")
    for name in list_families()
    for seed in FAMILY_SEEDS.get(name, range(2))
]


@pytest.fixture(params=CASES)
def problem(request) -> Problem:
    return build(*request.param)


def points(problem: Problem, m: int = 4, seed: int = 0) -> np.ndarray:
    """Points around x0 at the problem's own scale (inside its bounds)."""
    rng = np.random.default_rng(seed)
    X = problem.x0 + 2.0 * problem.x_scale * rng.standard_normal((m, problem.dim))
    if problem.bounds is not None:
        X = np.clip(X, *problem.bounds)
    return X


def is_attack(problem: Problem) -> bool:
    return isinstance(problem, Attack)


# -- the interface, over every named problem and family sample -----------------------------


def test_attributes(problem):
    assert isinstance(problem.name, str) and problem.name
    assert problem.x0.shape == (problem.dim,) and problem.x0.dtype == np.float64
    assert np.isfinite(problem.f_lower) and problem.x_scale > 0
    if problem.bounds is not None:
        lb, ub = problem.bounds
        assert lb.shape == ub.shape == (problem.dim,) and np.all(lb <= problem.x0)
        assert np.all(problem.x0 <= ub)
    if problem.f_opt is not None:
        assert problem.f_opt >= problem.f_lower


def test_numpy_forms_agree(problem):
    clean = noise_free(problem)
    X = points(clean)
    values = clean.batch(X)
    assert values.shape == (len(X),) and values.dtype == np.float64
    singles = np.array([clean(x) for x in X])
    assert all(isinstance(clean(x), float) for x in X[:1])
    np.testing.assert_allclose(values, singles, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(clean.vectorized(X.T), values, rtol=1e-10, atol=1e-12)


def test_torch_agrees_with_numpy(problem):
    clean = noise_free(problem)
    X = points(clean, m=6)
    values = clean.batch(X)
    T = torch.from_numpy(X).reshape(2, 3, clean.dim)  # leading batch dimensions
    out = clean.torch(T)
    assert out.shape == (2, 3) and out.dtype == torch.float64
    np.testing.assert_allclose(out.reshape(-1).numpy(), values, rtol=1e-10, atol=1e-12)
    out32 = clean.torch(T.float())
    assert out32.dtype == torch.float32
    # float32 inside (the attack's CNN runs in the batch dtype) needs a looser tolerance.
    np.testing.assert_allclose(
        out32.reshape(-1).double().numpy(), values, rtol=1e-4, atol=1e-4 * np.abs(values).max()
    )


def test_all_forms_have_the_right_shapes(problem):
    X = points(problem)
    assert problem.batch(X).shape == (len(X),)
    assert problem.vectorized(X.T).shape == (len(X),)
    assert problem.torch(torch.from_numpy(X)).shape == (len(X),)
    assert np.all(np.isfinite(problem.batch(X)))


def test_empty_batch(problem):
    assert problem.batch(np.zeros((0, problem.dim))).shape == (0,)
    assert problem.torch(torch.zeros(0, problem.dim, dtype=torch.float64)).shape == (0,)


def test_lower_bound_holds(problem):
    clean = noise_free(problem)
    X = np.concatenate([points(clean, m=8, seed=1), 10.0 * points(clean, m=8, seed=2)])
    if clean.bounds is not None:
        X = np.clip(X, *clean.bounds)
    values = clean.batch(X)
    assert np.all(values >= clean.f_lower - 1e-9 * max(1.0, abs(clean.f_lower)))


def test_torch_form_is_differentiable(problem):
    X = torch.from_numpy(points(problem, m=3)).requires_grad_(True)
    problem.torch(X).sum().backward()
    assert X.grad.shape == X.shape
    assert torch.isfinite(X.grad).all()


# Only the problems whose optimum is known (decided at collection, not skipped at run time).
KNOWN_OPTIMUM = [
    case for case in CASES
    if build(*case.values[0]).x_opt is not None and build(*case.values[0]).f_opt is not None
]


@pytest.mark.parametrize("case", KNOWN_OPTIMUM)
def test_known_optimum(case):
    problem = build(*case)
    clean = noise_free(problem)
    assert clean(clean.x_opt) == pytest.approx(clean.f_opt, rel=1e-12, abs=1e-12)
    values = clean.batch(points(clean, seed=3))
    assert np.all(values >= clean.f_opt - 1e-9 * max(1.0, abs(clean.f_opt)))


def test_peaks_are_gallagher_like():
    """The global peak at x_opt (value 0); every other peak a local minimum of value
    10 - height at its centre (mapped back through the rotation); flat at 10 far away."""
    p = Peaks(6, x_opt=np.linspace(-1.0, 1.0, 6), rotate=True, rng=5, peaks=5, spread=4.0)
    assert p(p.x_opt) == 0.0 and p.f_opt == 0.0
    assert p.heights[0] == 10.0 and np.all((1.1 <= p.heights[1:]) & (p.heights[1:] <= 9.1))
    rng = np.random.default_rng(0)
    for y, w in zip(p.centers[1:], p.heights[1:]):
        x = p.x_opt + p.rotation.matrix.T @ y  # z = R (x - x_opt) = y (dense R at d = 6)
        assert p(x) == pytest.approx(10.0 - w, abs=1e-6)
        near = x + 1e-3 * rng.standard_normal((8, 6))
        assert np.all(p.batch(near) >= p(x) - 1e-12)
    assert p(p.x_opt + 1e3) == pytest.approx(10.0)
    with pytest.raises(ValueError, match="peaks"):
        Peaks(3, peaks=0)
    with pytest.raises(ValueError, match="spread"):
        Peaks(3, spread=0.0)


def test_pickle_round_trip(problem):
    X = points(problem)
    problem.torch(torch.from_numpy(X))  # fills the tensor cache, which must not travel
    copy = pickle.loads(pickle.dumps(problem))
    assert type(copy) is type(problem) and copy.name == problem.name
    np.testing.assert_array_equal(copy.x0, problem.x0)
    # Noisy problems carry their generator's state, so the copy draws the same noise.
    np.testing.assert_allclose(copy.batch(X), problem.batch(X), rtol=1e-12, atol=1e-12)


def test_bad_input_is_rejected(problem):
    with pytest.raises(ValueError, match="shape"):
        problem(np.zeros(problem.dim + 1))
    with pytest.raises(ValueError, match="shape"):
        problem.batch(np.zeros(problem.dim))
    with pytest.raises(ValueError, match="shape"):
        problem.vectorized(np.zeros((problem.dim + 1, 2)))
    with pytest.raises(TypeError):
        problem.torch(torch.zeros(problem.dim, dtype=torch.int64))


# -- gradients against finite differences --------------------------------------------------

SMOOTH = [
    Quadratic(6, cond=100.0, rotate=True, rng=0),
    Rosenbrock(5),
    Ackley(4, rotate=True, rng=1),
    BinaryClassification(dim=6, rng=0),
    LogisticRegression(dim=5, cond=10.0, rng=0),
    SmallNet(in_dim=2, hidden=3, rng=0),
    Scaled(Rastrigin(4), f_scale=3.0, f_shift=-1.0, x_scale=0.5),
    Peaks(4, rotate=True, rng=2),
]


@pytest.mark.parametrize("problem", SMOOTH, ids=lambda p: p.name)
def test_gradient_matches_finite_differences(problem):
    X = torch.from_numpy(points(problem, m=2, seed=5)).requires_grad_(True)
    assert torch.autograd.gradcheck(problem.torch, (X,), eps=1e-6, atol=1e-5, rtol=1e-4)


# -- families ------------------------------------------------------------------------------


def test_named_problems_and_families_exist():
    assert REQUIRED_PROBLEMS <= set(list_problems())
    assert REQUIRED_FAMILIES <= set(list_families())
    assert set(TRAINING_FAMILIES + VALIDATION_FAMILIES + HELD_OUT_FAMILIES) <= set(list_families())
    assert not set(HELD_OUT_FAMILIES) & set(TRAINING_FAMILIES + VALIDATION_FAMILIES)
    with pytest.raises(ValueError, match="unknown problem"):
        get_problem("nope")
    with pytest.raises(ValueError, match="unknown family"):
        get_family("nope")


def test_held_out_families_are_not_in_general():
    general = get_family("general")
    assert isinstance(general, RandomScaleFamily)
    components = {family.name for family in general.family.families}
    components |= {f.family.name for f in general.family.families if isinstance(f, NoisyFamily)}
    assert not components & set(HELD_OUT_FAMILIES)
    assert {"quadratic", "rosenbrock", "classification", "logistic", "smallnet"} <= components

    # the multimodal variant adds training-only components, and only those
    mm = get_family("general-wide-mm")
    mm_components = {family.name for family in mm.family.families}
    mm_components |= {f.family.name for f in mm.family.families if isinstance(f, NoisyFamily)}
    assert mm_components - components == {"salomon", "alpine"}
    assert not mm_components & set(HELD_OUT_FAMILIES)


@pytest.mark.parametrize("name", list_problems())
def test_named_problems_are_deterministic(name):
    a, b = build("problem", name, None), get_problem(name)
    X = points(a)
    np.testing.assert_array_equal(a.x0, b.x0)
    np.testing.assert_array_equal(a.batch(X), b.batch(X))


@pytest.mark.parametrize("name", list_families())
def test_families_are_reproducible_and_vary(name):
    family = small_family(name)
    a, b = family.sample(7), family.sample(np.random.default_rng(7))
    X = points(a, seed=11)
    assert a.name == b.name
    np.testing.assert_array_equal(a.x0, b.x0)
    np.testing.assert_array_equal(noise_free(a).batch(X), noise_free(b).batch(X))
    assert pickle.loads(pickle.dumps(family)).sample(7).name == a.name
    others = [family.sample(seed) for seed in (8, 9)]
    differ = [
        o.name != a.name or not np.array_equal(noise_free(o).batch(X), noise_free(a).batch(X))
        for o in others
    ]
    assert all(differ)


def test_family_ranges_are_respected():
    family = QuadraticFamily(dim=(10, 20), cond=(10.0, 100.0), rotate=False)
    for seed in range(20):
        p = family.sample(seed)
        assert 10 <= p.dim <= 20 and 10.0 <= p.cond <= 100.0 and p.rotation is None
        lam = p.eigvals
        assert lam.max() / lam.min() == pytest.approx(p.cond)
    assert QuadraticFamily(dim=33).sample(0).dim == 33


# -- transforms ----------------------------------------------------------------------------


def test_scaled_obeys_its_definition():
    f = StyblinskiTang(5, x_opt=np.linspace(-3.0, -2.0, 5))
    a, b, s = 7.0, -3.0, 0.25
    g = Scaled(f, f_scale=a, f_shift=b, x_scale=s)
    Z = points(g, seed=2)
    np.testing.assert_allclose(g.batch(Z), a * f.batch(Z / s) + b, rtol=1e-14)
    np.testing.assert_allclose(
        g.torch(torch.from_numpy(Z)).numpy(), a * f.batch(Z / s) + b, rtol=1e-12
    )
    np.testing.assert_allclose(g.x0, s * f.x0)
    np.testing.assert_allclose(g.bounds[0], s * f.bounds[0])
    np.testing.assert_allclose(g.bounds[1], s * f.bounds[1])
    np.testing.assert_allclose(g.x_opt, s * f.x_opt)
    assert g.f_lower == a * f.f_lower + b and g.f_opt == a * f.f_opt + b
    assert g.x_scale == s * f.x_scale
    assert g(g.x_opt) == pytest.approx(g.f_opt)
    for bad in ({"f_scale": 0.0}, {"x_scale": -1.0}, {"f_shift": np.inf}):
        with pytest.raises(ValueError):
            Scaled(f, **bad)


def test_random_scale_family_wraps_the_same_inner_problem():
    family = RosenbrockFamily(dim=(5, 10))
    scaled = RandomScaleFamily(family, f_scale=(1e-3, 1e3), x_scale=(1e-2, 1e2), f_shift=(-1, 1))
    for seed in range(5):
        g, f = scaled.sample(seed), family.sample(seed)
        assert g.inner.name == f.name
        np.testing.assert_array_equal(g.inner.x_opt, f.x_opt)
        assert 1e-3 <= g.f_scale <= 1e3 and 1e-2 <= g.x_factor <= 1e2
        assert -1 <= g.f_shift <= 1


def test_noisy_noise_level_and_seeding():
    f = Quadratic(8, cond=10.0, rng=0)
    g = Noisy(f, sigma=0.1, rng=3)
    assert g.noisy and g.noise_std == pytest.approx(0.1 * f(f.x0))
    X = np.repeat(f.x0[None], 4000, axis=0)
    values = g.batch(X)
    assert np.std(values) == pytest.approx(g.noise_std, rel=0.1)
    assert np.mean(values) == pytest.approx(f(f.x0), abs=5 * g.noise_std / np.sqrt(len(X)))
    np.testing.assert_array_equal(Noisy(f, 0.1, rng=3).batch(X[:5]), values[:5])
    assert g(f.x0) != g(f.x0)  # fresh noise at every call
    torch.manual_seed(0)
    out = g.torch(torch.from_numpy(X))
    assert float(out.std()) == pytest.approx(g.noise_std, rel=0.1)
    np.testing.assert_array_equal(Noisy(f, 0.0).batch(X[:3]), f.batch(X[:3]))


def test_mixture_family_follows_its_weights():
    quad, rosen = QuadraticFamily(dim=5), RosenbrockFamily(dim=5)
    only_rosen = MixtureFamily([(quad, 0.0), (rosen, 2.0)])
    assert all(isinstance(only_rosen.sample(s), Rosenbrock) for s in range(10))
    both = MixtureFamily([quad, rosen])
    kinds = {type(both.sample(s)) for s in range(20)}
    assert kinds == {Quadratic, Rosenbrock}
    with pytest.raises(ValueError):
        MixtureFamily([(quad, 0.0)])
    with pytest.raises(TypeError):
        MixtureFamily([object()])


# -- classic functions ---------------------------------------------------------------------


def test_quadratic_hessian_has_the_requested_condition_number():
    p = Quadratic(6, cond=1e3, rotate=True, rng=4)
    H = torch.autograd.functional.hessian(
        lambda x: p.torch(x), torch.zeros(6, dtype=torch.float64)
    ).numpy()
    eig = np.linalg.eigvalsh(H)
    assert eig.max() / eig.min() == pytest.approx(1e3)
    assert abs(H[0, 1]) > 1e-6  # rotated: not diagonal


@pytest.mark.parametrize("dim", [7, 600])
def test_rotation_is_orthogonal(dim):
    R = Rotation(dim, np.random.default_rng(0))
    M = R(np.eye(dim))
    np.testing.assert_allclose(M @ M.T, np.eye(dim), atol=1e-12)
    np.testing.assert_allclose(R(torch.eye(dim, dtype=torch.float64)).numpy(), M, atol=1e-14)


def test_classification_follows_its_definition():
    p = BinaryClassification(dim=20, rng=0)
    assert p.n_samples == 40 and p(p.x0) == 0.25 and p.f_lower == 0.0
    np.testing.assert_array_equal(p.targets, p.features @ p.x_planted > 0)
    x = np.random.default_rng(1).standard_normal(20)
    expected = np.mean((p.targets - 1.0 / (1.0 + np.exp(-p.features @ x))) ** 2)
    assert p(x) == pytest.approx(expected, rel=1e-12)
    assert p(50.0 * p.x_planted) < 0.01  # the planted direction classifies the data
    assert len(pickle.dumps(get_problem("classification-1000"))) < 10_000  # rebuilt from seed


# -- the attack ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def attack() -> Attack:
    return attack_problem(index=0, split="test")


def test_attack_starts_correctly_classified(attack):
    zero = np.zeros(784)
    assert attack(zero) > 0 and attack(attack.x0) > 0
    assert attack.margin(zero) > 0 and not attack.success(zero)
    assert attack.f_lower == 0.0 and attack.dim == 784
    torch.manual_seed(1234)
    expected = 1e-4 * torch.randn(1, 1, 28, 28, dtype=torch.float64).reshape(-1)
    np.testing.assert_array_equal(attack.x0, expected.numpy())  # as the official code


def test_attack_loss_follows_its_definition(attack):
    delta = points(attack, seed=4)[0]
    adv = np.clip(attack.image + delta.reshape(28, 28), 0.0, 1.0)
    with torch.no_grad():
        logp = cnn(torch.float64)(torch.from_numpy(adv)[None, None])[0].numpy()
    margin = logp[attack.label] - np.delete(logp, attack.label).max()
    expected = max(margin, 0.0) + 0.1 * np.abs(adv - attack.image).sum()
    assert attack(delta) == pytest.approx(expected, rel=1e-10)
    assert attack.margin(delta) == pytest.approx(margin, rel=1e-10)


def test_blending_toward_another_digit_succeeds(attack):
    bundle = load_bundle()
    other = next(i for i in bundle.splits["test"] if bundle.labels[i] != attack.label)
    delta = (bundle.images[other] - attack.image).ravel()  # exactly the other image
    assert attack.success(delta) and attack.margin(delta) <= 0
    blends = np.linspace(0.0, 1.0, 11)[:, None] * delta
    success = attack.success(blends)
    assert success.shape == (11,) and not success[0] and success[-1]


def test_white_box_descent_finds_an_adversarial_example(attack):
    delta = torch.tensor(attack.x0, requires_grad=True)
    opt = torch.optim.Adam([delta], lr=0.02)
    for _ in range(300):
        margin, _ = attack._terms(delta)
        opt.zero_grad()
        margin.backward()
        opt.step()
        if margin.item() < -0.5:
            break
    found = delta.detach().numpy()
    assert attack.success(found) and attack.margin(found) <= 0
    assert attack(found) < attack(attack.x0) + 0.1 * 784  # the loss sees it too


def test_attack_families_use_their_splits():
    sizes = {split: len(load_bundle().splits[split]) for split in ("train", "val", "test")}
    assert sizes == {"train": 100, "val": 50, "test": 100}
    for split in sizes:
        p = AttackFamily(split).sample(0)
        assert p.split == split and 0 <= p.index < sizes[split]
    with pytest.raises(ValueError):
        AttackFamily("holdout")
    with pytest.raises(IndexError):
        Attack(index=100, split="val")


def test_data_file_metadata_and_checksum(tmp_path):
    bundle = load_bundle()
    meta = bundle.metadata
    for key in ("command", "seed", "torch_version", "test_accuracy", "sha256"):
        assert meta[key]
    assert meta["command"].startswith("python scripts/train_digits_classifier.py")
    assert float(meta["test_accuracy"]) > 0.95
    splits = [set(bundle.splits[s].tolist()) for s in ("train", "val", "test")]
    assert sum(map(len, splits)) == len(set().union(*splits)) == len(bundle.images)
    # Every stored image is classified correctly, as the attack requires.
    with torch.no_grad():
        pred = cnn(torch.float64)(torch.from_numpy(bundle.images)[:, None]).argmax(-1)
    np.testing.assert_array_equal(pred.numpy(), bundle.labels)
    # The checksum covers the tensors: a changed pixel is caught.
    import zominimize.problems as problems_pkg

    path = next(iter(problems_pkg.__path__)) + "/data/digits_cnn.safetensors"
    tensors, metadata = load_file(path)
    assert tensor_sha256(tensors) == metadata["sha256"]
    tensors["images"][0, 14, 14] ^= 1
    tampered = tmp_path / "tampered.safetensors"
    save_file(tensors, tampered, metadata)
    with pytest.raises(ValueError, match="checksum"):
        load_bundle(tampered)


def test_attack_needs_no_scikit_learn():
    code = (
        "import sys; import zominimize.problems as p; a = p.get_problem('attack'); "
        "a(a.x0); assert 'sklearn' not in sys.modules, 'sklearn imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize("spectrum, expected", [
    ("log", None), ("one-large", [1.0, 1.0, 1.0, 1e6]), ("one-small", [1.0, 1e6, 1e6, 1e6])])
def test_quadratic_spectra(spectrum, expected):
    q = Quadratic(4, cond=1e6, spectrum=spectrum, rng=0)
    lam = np.sort(q.eigvals)
    assert lam[0] == pytest.approx(1.0) and lam[-1] == pytest.approx(1e6)
    if expected is not None:
        np.testing.assert_allclose(lam, expected)
    with pytest.raises(ValueError, match="spectrum"):
        Quadratic(4, spectrum="flat")


def test_warped_is_a_monotone_power_of_the_gap():
    q = Quadratic(3, cond=10.0, rng=1)
    w = Warped(q, 0.5)
    X = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(w.batch(X), np.sqrt(q.batch(X) - q.f_lower) + q.f_lower)
    assert np.array_equal(np.argsort(w.batch(X)), np.argsort(q.batch(X)))
    assert w.f_opt == q.f_opt and np.array_equal(w.x_opt, q.x_opt)
    noisy = Warped(Noisy(q, 0.1, rng=0), 2.0)
    clean = noise_free(noisy)
    assert not clean.noisy and clean.power == 2.0
    np.testing.assert_allclose(clean.batch(X), q.batch(X) ** 2)


def test_bbob_like_family_has_no_held_out_component_and_spans_small_dimensions():
    fam = get_family("bbob-like")
    names = [fam.sample(np.random.default_rng(i)).name for i in range(60)]
    assert not any(h in n for n in names for h in ("ackley", "styblinski", "levy", "attack"))
    dims = [fam.sample(np.random.default_rng(i)).dim for i in range(60)]
    assert min(dims) <= 5 and max(dims) >= 100
    assert any("warped" in n for n in names) and any("warped" not in n for n in names)
