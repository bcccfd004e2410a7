"""Code blocks of the README, so tests run what the README tells people to run."""

import re

from tests.live import ROOT


def code_block(language, containing):
    """The one ```language block of README.md that contains ``containing``."""
    text = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(rf"```{language}\n(.*?)```", text, re.S) if containing in b]
    assert len(blocks) == 1, f"expected one {language} block with {containing!r} in README.md, found {len(blocks)}"
    return blocks[0]


def python_function(name):
    """Define the README's Python block that holds ``def name`` and return that function."""
    namespace = {}
    exec(code_block("python", f"def {name}"), namespace)  # noqa: S102 - our own README, on purpose
    return namespace[name]
