"""Where in the routing file text a problem is: the line a path such as
`routing[2].assign.select` points at, so an editor can show the error beside it.

Problems name paths into the data (domain/errors.py `join_path`), not lines: the text is
composed again (YAML node marks; JSON is YAML too) and walked along the path. A path that
goes past what the text holds (a missing key) points at the deepest node that exists; a YAML
or JSON syntax error has no path but says "line N, column M" in its message.
"""

from __future__ import annotations

import re

import yaml

from leadroute.domain.errors import Problem

_INDEX = re.compile(r"\[(\d+)\]")
_SYNTAX_LINE = re.compile(r"^line (\d+), column \d+")


def line_of(text: str, path: str) -> int | None:
    """The 1-based line of the entry at `path` in `text` (the line of its key in a mapping),
    or of the deepest entry on the way when the rest of the path does not exist; None for the
    empty path (the whole file) or text that does not parse."""
    root = _compose(text)
    if root is None or not path:
        return None
    node, line, rest = root, root.start_mark.line, path
    while rest:
        step = _step(node, rest)
        if step is None:
            break
        node, line, rest = step
    return int(line) + 1


def problem_line(text: str, problem: Problem) -> int | None:
    """The line a problem is about: the one its message names for a syntax error, else the
    line of its path."""
    named = _SYNTAX_LINE.match(problem.message)
    if named is not None:
        return int(named.group(1))
    return line_of(text, problem.path)


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:  # nested too deep for the composer: no line to show
        return None
    except yaml.YAMLError:
        pass
    # PyYAML refuses tabs where JSON allows them as white space; JSON strings hold no raw
    # tab, so spaces in their place keep every line where it was.
    try:
        return yaml.compose(text.replace("\t", " "), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return None


def _step(node: yaml.Node, rest: str) -> tuple[yaml.Node, int, str] | None:
    """The child `rest` starts with, the line it is written on, and the rest of the path."""
    rest = rest.removeprefix(".")
    if isinstance(node, yaml.SequenceNode):
        index = _INDEX.match(rest)
        if index is None or int(index.group(1)) >= len(node.value):
            return None
        item: yaml.Node = node.value[int(index.group(1))]
        return item, item.start_mark.line, rest[index.end() :]
    if isinstance(node, yaml.MappingNode):
        # The longest key the path goes on from: a pool or field name may hold a dot.
        best: tuple[yaml.Node, int, str] | None = None
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            if not isinstance(name, str) or not rest.startswith(name):
                continue
            after = rest[len(name) :]
            if after and after[0] not in ".[":
                continue
            if best is None or len(after) < len(best[2]):
                best = (value, key.start_mark.line, after)
        return best
    return None
