"""Quality on COCO's BBOB functions, noiseless and noisy: a small version of
``zominimize bench --suite bbob`` and ``--suite bbob-noisy``.

The default ``l2l-zo`` beside CMA-ES and Nelder--Mead, every function of each testbed
(f1--f24; f101--f130) at d = 5 and 20, instances 1--3, 4,200 evaluations, x0 = 0 and
the initial step 2, as the suites run them. Tracked per solver and dimension: the mean
over the functions of the mean over instances of ``log10`` of the final precision
(floored at 1e-8; :func:`zominimize.bench.validation_score`), lower is better; on the
noisy functions, the precision of the best noise-free value evaluated. All runs happen
once, in the class's ``setup_cache`` (a few minutes); the benchmark needs ``ioh`` and
``cma`` (``pip install zominimize[bench]``).
"""

from __future__ import annotations

TESTBEDS = {"bbob": range(1, 25), "bbob-noisy": range(101, 131)}
DIMS = [5, 20]
METHODS = ["l2l-zo[sigma0=2]", "cma[sigma0=2]", "nelder-mead[step=2]"]
SEEDS = [1, 2, 3]
BUDGET = 4200


class BBOBQuality:
    """Mean log10 final precision over a testbed's functions at one dimension."""

    params = [list(TESTBEDS), DIMS, METHODS]
    param_names = ["testbed", "dim", "method"]
    timeout = 1800

    def setup_cache(self):
        import warnings

        from zominimize.bench import run_benchmark, validation_score

        try:
            import cma  # noqa: F401
            import ioh  # noqa: F401
        except ImportError:
            return {}
        data = {}
        for testbed, fids in TESTBEDS.items():
            problems = [f"{testbed}[fid={f},dim={d}]" for d in DIMS for f in fids]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # skipped methods
                result = run_benchmark(problems, METHODS, budget=BUDGET, seeds=SEEDS,
                                       time_limit=15.0, skip_unavailable=True)
            for method, score in validation_score(result).items():
                for d in DIMS:
                    if f"d={d}" in score:
                        data[testbed, d, method] = score[f"d={d}"]
        return data

    def setup(self, data, testbed, dim, method):
        if (testbed, dim, method) not in data:
            raise NotImplementedError(f"{method} did not run on {testbed} at d = {dim}")

    def track_mean_log10_precision(self, data, testbed, dim, method):
        return data[testbed, dim, method]

    track_mean_log10_precision.unit = "log10 precision"
