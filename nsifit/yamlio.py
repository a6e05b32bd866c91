"""YAML reading for configs and datasets: safe, duplicate keys refused, errors with line and column.

PyYAML's safe_load silently keeps the last of two equal keys in a mapping; `load` refuses them
(a config with `steps:` twice would otherwise run with whichever came last). Syntax errors keep
PyYAML's position ("line 3, column 5") in the one-line message.
"""

import yaml


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                continue                  # SafeLoader reports unhashable keys itself
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice (first on line {seen[key] + 1})",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, StrictLoader.construct_mapping)


def describe(err):
    """One line for a YAML error: what, where (line and column, 1-based)."""
    if isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        what = err.problem or err.context or "invalid YAML"
        if err.context and err.problem and err.context not in what:
            what = f"{err.context}: {what}"
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        return f"{where}{what}"
    return str(err).splitlines()[0] if str(err) else type(err).__name__


def load(text):
    """Parse YAML text (str or bytes) strictly; yaml.YAMLError on bad input (see `describe`)."""
    return yaml.load(text, Loader=StrictLoader)
