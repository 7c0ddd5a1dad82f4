"""Train the CNN attacked by ``zominimize.problems.Attack`` and write its data file.

MNIST cannot be downloaded here, so the classifier is trained on scikit-learn's
bundled ``load_digits`` (1797 8x8 images, values 0..16), made MNIST-like: scaled to
[0, 1], upsampled bilinearly to 20x20 and padded by 4 pixels to 28x28 (MNIST digits
sit in a 20x20 box of a 28x28 frame), then quantized to uint8. A seeded split keeps
60 % for training and 40 % held out. The network is the official code's LeNet-style
CNN of ``zominimize.problems`` (fc width 500), trained with seeded Adam.

The held-out images the network classifies correctly (checked in float64, as the
attack evaluates them) are shuffled and split into disjoint ``train`` / ``val`` /
``test`` attack sets. Everything is written to
``zominimize/problems/data/digits_cnn.safetensors`` with metadata: the command, seed,
library versions, test accuracy and a SHA-256 of the tensors.

Usage::

    python -m research.train_digits_classifier            # the shipped file
    python -m research.train_digits_classifier --help
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import save_file

from zominimize.problems import DigitsCNN, digits_data_path
from zominimize.problems import digits_sha256 as tensor_sha256

DEFAULT_OUT = pathlib.Path(digits_data_path())


def mnist_like(images8: np.ndarray) -> np.ndarray:
    """(N, 8, 8) digits in 0..16 -> (N, 28, 28) uint8 MNIST-like images."""
    x = torch.from_numpy(images8 / 16.0).float()[:, None]
    x = F.interpolate(x, size=(20, 20), mode="bilinear", align_corners=False)
    x = F.pad(x, (4, 4, 4, 4)).clamp(0.0, 1.0)
    return np.rint(x[:, 0].numpy() * 255.0).astype(np.uint8)


def as_input(images: np.ndarray, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.from_numpy(images.astype(np.float64) / 255.0).to(dtype)[:, None]


def train(model, images, labels, epochs, batch_size, lr, seed):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    x, y = as_input(images), torch.from_numpy(labels)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(y), generator=gen)
        total = 0.0
        for start in range(0, len(y), batch_size):
            idx = order[start : start + batch_size]
            loss = F.nll_loss(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        print(f"epoch {epoch + 1:2d}  train loss {total / len(y):.4f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--hidden", type=int, default=500, help="fc1 width (official: 500)")
    parser.add_argument("--train-fraction", type=float, default=0.6)
    parser.add_argument(
        "--n-attack",
        type=int,
        nargs=3,
        default=(100, 50, 100),
        metavar=("TRAIN", "VAL", "TEST"),
        help="attack images per split",
    )
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()

    import sklearn  # only to train: --help works without it
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = mnist_like(digits.images)
    labels = digits.target.astype(np.int64)
    order = rng.permutation(len(labels))
    n_train = round(args.train_fraction * len(labels))
    train_idx, held_idx = order[:n_train], order[n_train:]

    model = DigitsCNN(hidden=args.hidden)
    train(
        model,
        images[train_idx],
        labels[train_idx],
        args.epochs,
        args.batch_size,
        args.lr,
        args.seed,
    )

    model.eval()
    with torch.no_grad():
        pred = model(as_input(images[held_idx])).argmax(-1).numpy()
        accuracy = float(np.mean(pred == labels[held_idx]))
        # Keep the images classified correctly in float64, as the attack evaluates them.
        logp = model.double()(as_input(images[held_idx], torch.float64)).numpy()
        model.float()
    true = logp[np.arange(len(held_idx)), labels[held_idx]]
    np.put_along_axis(logp, labels[held_idx][:, None], -np.inf, axis=1)
    correct = held_idx[true > logp.max(axis=1)]
    print(
        f"held-out accuracy {accuracy:.4f} ({len(held_idx)} images), "
        f"{len(correct)} correct, {time.perf_counter() - started:.1f} s"
    )

    sizes = args.n_attack
    if sum(sizes) > len(correct):
        raise SystemExit(f"only {len(correct)} correct held-out images for {sum(sizes)}")
    chosen = rng.permutation(correct)[: sum(sizes)]
    bounds = np.cumsum([0, *sizes])
    tensors = {
        f"cnn.{k}": v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()
    }
    tensors.update(
        images=images[chosen],
        labels=labels[chosen].astype(np.uint8),
        source_index=chosen.astype(np.int64),
        **{
            f"split_{name}": np.arange(bounds[i], bounds[i + 1], dtype=np.int64)
            for i, name in enumerate(("train", "val", "test"))
        },
    )
    command = "python -m research.train_digits_classifier " + " ".join(
        [
            f"--seed {args.seed}",
            f"--epochs {args.epochs}",
            f"--batch-size {args.batch_size}",
            f"--lr {args.lr:g}",
            f"--hidden {args.hidden}",
            f"--train-fraction {args.train_fraction:g}",
            "--n-attack " + " ".join(str(s) for s in sizes),
        ]
    )
    metadata = {
        "format": "zominimize-digits-cnn/1",
        "command": command,
        "seed": str(args.seed),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "sklearn_version": sklearn.__version__,
        "test_accuracy": f"{accuracy:.4f}",
        "n_heldout": str(len(held_idx)),
        "architecture": f"LeNet conv20-conv50-fc{args.hidden}-fc10, log_softmax, "
        "input (x - 0.1307) / 0.3081",
        "data": "sklearn load_digits 8x8 /16 -> bilinear 20x20 -> pad 4 -> 28x28 uint8; "
        "attack images: correctly classified held-out images",
        "sha256": tensor_sha256(tensors),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, args.out, metadata)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1e6:.2f} MB), test accuracy {accuracy:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
