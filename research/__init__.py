"""Research scripts: measurements, analyses and selections behind the documentation.

Not part of the installed package. Each script uses only zominimize's public API and
runs from the repository root as a module, ``python -m research.<name> --help``:

``overhead``
    optimizer overhead per iteration and parallel speed-up (Benchmarks page);
``gpu_check``
    the GPU path against the CPU (needs a CUDA GPU);
``memory_flat``
    resident memory over a long run;
``l2l_analysis``
    the paper's analysis (q, horizon, the QueryRNN's sampling std);
``select_l2l_options``, ``sigma0_selection``
    inference options compared on validation problems (research log);
``train_digits_classifier``
    the CNN and images of the bundled attack problems.

Helpers that more than one script needs live in :mod:`research._common`. Besides
zominimize's own dependencies, the scripts use matplotlib, scipy, scikit-learn
(``train_digits_classifier``) and safetensors (``train_digits_classifier``).
"""
