"""Lint: the results folder's paths are written only in the layout modules.

`serenade.layout` (and `serenade.pipeline.layout` for the rules' outputs) is the one place the
results folder's layout is written; a `"results"` or `results/...` string anywhere else in the
library, the rules or the scripts would drift from it. Comments and docstrings may still show
paths to a reader: only the strings code uses are checked.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

from serenade.paths import REPO_ROOT

LAYOUT = ("src/serenade/layout.py", "src/serenade/pipeline/layout.py")
# "results" as a whole string, or as a folder in a path: not results_dir, "the results folder".
RESULTS_PATH = re.compile(r"""(?<![\w.-])results(?:/|\\|(?=["']))""")
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+ splits f-strings
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)
_SKIPPED = (tokenize.NL, tokenize.COMMENT)
_STATEMENT_START = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)


def _checked_files() -> list[str]:
    files = [*REPO_ROOT.glob("src/serenade/**/*.py"), REPO_ROOT / "Snakefile",
             *REPO_ROOT.glob("workflow/rules/*.smk"), *REPO_ROOT.glob("workflow/scripts/*.py")]
    names = sorted(path.relative_to(REPO_ROOT).as_posix() for path in files)
    return [name for name in names if not name.endswith("_test.py") and name not in LAYOUT]


def _strings(source: str):
    """(line, text, alone) of each string literal, an f-string whole; `alone`: it is a
    statement of its own (a docstring)."""
    starts = [0]
    for line in source.splitlines(True):
        starts.append(starts[-1] + len(line))
    tokens = [token for token in tokenize.generate_tokens(io.StringIO(source).readline)
              if token.type not in _SKIPPED]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == tokenize.STRING:
            end = index
        elif _FSTRING_START is not None and token.type == _FSTRING_START:
            end, depth = index, 0
            while True:
                depth += {_FSTRING_START: 1, _FSTRING_END: -1}.get(tokens[end].type, 0)
                if depth == 0:
                    break
                end += 1
        else:
            index += 1
            continue
        (first, column), (last, end_column) = token.start, tokens[end].end
        text = source[starts[first - 1] + column:starts[last - 1] + end_column]
        before = tokens[index - 1].type if index else tokenize.ENCODING
        after = tokens[end + 1].type if end + 1 < len(tokens) else tokenize.ENDMARKER
        alone = before in _STATEMENT_START and after in (tokenize.NEWLINE, tokenize.ENDMARKER)
        yield first, text, alone
        index = end + 1


def results_literals(source: str) -> list[tuple[int, str]]:
    """(line, string) of each string in `source` that names the results folder, docstrings
    aside."""
    return [(line, text) for line, text, alone in _strings(source)
            if not alone and RESULTS_PATH.search(text)]


def test_the_check_finds_results_paths_in_code_only():
    source = ('"""Writes results/data."""\n'
              'A = "results"\n'
              'B = f"{A}/x"  # results/x\n'
              'C = Path(root) / f"results/{name}.log"\n'
              'D = "the results folder", results_dir\n'
              'E = "x/results/y"\n')
    assert [line for line, _ in results_literals(source)] == [2, 4, 6]


def test_results_paths_are_written_only_in_the_layout_modules():
    found = [f"{name}:{line}: {text}"
             for name in _checked_files()
             for line, text in results_literals((REPO_ROOT / name).read_text(encoding="utf-8"))]
    assert not found, ("write these with serenade.layout (or serenade.pipeline.layout):\n"
                       + "\n".join(found))
