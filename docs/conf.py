"""Sphinx configuration of the zominimize documentation.

Build (from the repository root)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html            # with the gallery
    python -m sphinx -W --keep-going -b html -D plot_gallery=0 docs docs/_build/html  # without

or ``make -C docs html`` / ``make -C docs html-noplot``. The build is offline by
default: intersphinx links to Python, NumPy, SciPy, PyTorch and joblib are only
configured when the environment variable ``ZOMINIMIZE_DOCS_ONLINE`` is set.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the checkout being built, not some other installed copy.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS))  # _guide.py, _recipes.py: tables written at build time

os.environ.setdefault("MPLBACKEND", "Agg")

import zominimize  # noqa: E402

# The gallery runs inside the Sphinx process. On a machine whose cores are busy,
# torch's default intra-op thread pool can slow the small networks and the digits CNN
# down tenfold; one thread is the fast choice for the examples' small problems.
if os.environ.get("ZOMINIMIZE_DOCS_TORCH_THREADS", "1") != "default":
    import torch  # noqa: E402

    torch.set_num_threads(int(os.environ.get("ZOMINIMIZE_DOCS_TORCH_THREADS", "1")))

# -- project ---------------------------------------------------------------------------

project = "zominimize"
author = "the zominimize developers"
copyright = "the zominimize developers"
version = zominimize.__version__
release = zominimize.__version__

# -- extensions ------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "zominimize_docs",  # docs/_ext: options pages, Options sections, measured results
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_generated",  # measured results: included by benchmarks.rst, never pages of their own
    "examples",  # gallery sources: sphinx-gallery renders them into auto_examples/
    "**.ipynb_checkpoints",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.pickle",
    "auto_examples/*.codeobj.json",
]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"  # a stray `x` renders as code instead of an unresolved reference
pygments_style = "sphinx"
highlight_language = "python3"

# Every warning is an error (-W), and every cross-reference must resolve (nitpicky).
# Offline (the default) the inventories of other projects are unavailable, so
# references into them are exempt; online, only private names are.
ONLINE = bool(os.environ.get("ZOMINIMIZE_DOCS_ONLINE"))
nitpicky = True
_EXTERNAL = ("numpy", "scipy", "torch", "joblib", "matplotlib", "dask", "concurrent",
             "multiprocessing", "abc", "collections", "typing", "os", "pathlib")
nitpick_ignore_regex = [
    # private bases shown by :show-inheritance: (zominimize.problems._classic._Shifted, ...)
    (r"py:.*", r"zominimize(\.\w+)*\._\w+(\.\w+)*"),
]
if not ONLINE:
    import builtins

    nitpick_ignore_regex += [
        (r"py:.*", rf"({'|'.join(_EXTERNAL)})(\..+)?"),
        (r"py:.*", rf"({'|'.join(n for n in dir(builtins) if not n.startswith('_'))})"),
    ]
nitpick_ignore: list[tuple[str, str]] = []

# -- autodoc / autosummary / numpydoc --------------------------------------------------

autosummary_generate = True
autosummary_imported_members = False
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_member_order = "bysource"
add_module_names = False

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# -- intersphinx -----------------------------------------------------------------------

if ONLINE:
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable/", None),
        "scipy": ("https://docs.scipy.org/doc/scipy/", None),
        "torch": ("https://docs.pytorch.org/docs/stable/", None),
        "joblib": ("https://joblib.readthedocs.io/en/stable/", None),
        "matplotlib": ("https://matplotlib.org/stable/", None),
    }
else:
    intersphinx_mapping = {}
intersphinx_timeout = 10

# -- math ------------------------------------------------------------------------------

mathjax3_config = {"tex": {"macros": {"R": r"\mathbb{R}", "E": r"\mathbb{E}"}}}

# -- sphinx-gallery --------------------------------------------------------------------


sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": os.environ.get("ZOMINIMIZE_DOCS_GALLERY_PATTERN", r"/plot_"),
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("zominimize",),
    "reference_url": {"zominimize": None},
    "backreferences_dir": "api/generated/backreferences",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "min_reported_time": 1,
    "show_memory": False,
    "download_all_examples": False,
    "reset_modules": ("matplotlib",),
    "abort_on_example_error": False,
}

# -- HTML ------------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"zominimize {release}"
html_short_title = "zominimize"
html_static_path = ["_static"]
html_css_files = ["zominimize.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_depth": 3,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
    "header_links_before_dropdown": 7,
    "logo": {"text": "zominimize"},
}
html_sidebars = {
    "index": [],
    "installation": [],
    "quickstart": [],
    "changelog": [],
}
html_context = {"default_mode": "light"}

# Quiet third-party noise that is not about our documents. numpydoc does not know the
# "Options" sections of the method docstrings; docs/_ext/zominimize_docs.py renders them
# (numpydoc still parses the raw docstrings once, for signatures, and says so).
warnings.filterwarnings("ignore", category=UserWarning,
                        message="Matplotlib is currently using agg")
warnings.filterwarnings("ignore", category=UserWarning,
                        message=r"Unknown section (Options|Common Options)")


def setup(app):
    """Pages' tables written at build time: the decision guide's evidence
    (docs/_guide.py) and the recipes of the bundled weights (docs/_recipes.py)."""
    import _guide
    import _recipes

    app.connect("builder-inited", _guide.write_guide)
    app.connect("builder-inited", _recipes.write_recipes)

