"""Hyperparameters with attribute access, parsed from magenta's override syntax.

magenta configs are overridden with strings such as
``batch_size=64,learning_rate=0.003,enc_rnn_size=[96,96]``: comma-separated ``name=value``
pairs, lists in square brackets. Every name must already exist (a typo is an error, not a new
hparam) and the value is converted to the type of the existing value.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any, Iterator

_ASSIGNMENT = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\[[^\]]*\]|[^,\[\]]*)\s*(?:,|$)")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _convert_scalar(name: str, text: str, like: Any) -> Any:
    """Convert `text` to the type of `like` (the current value of hparam `name`)."""
    text = text.strip()
    try:
        if isinstance(like, bool):
            lowered = text.lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise ValueError(text)
        if isinstance(like, int):
            number = float(text)
            if not number.is_integer():
                raise ValueError(text)
            return int(number)
        if isinstance(like, float):
            number = float(text)
    except ValueError:
        raise ValueError(
            f"hparam {name!r}: cannot read {text!r} as {type(like).__name__}") from None
    if isinstance(like, float):
        if not math.isfinite(number):  # nan or inf would train or sample nonsense silently
            raise ValueError(f"hparam {name!r}: {text!r} is not a finite number")
        return number
    return text.strip("'\"")  # strings: quotes are optional


def _convert(name: str, text: str, like: Any) -> Any:
    text = text.strip()
    if isinstance(like, list):
        if not (text.startswith("[") and text.endswith("]")):
            # a single value for a list hparam means a one-element list, as in magenta
            text = f"[{text}]"
        inner = text[1:-1].strip()
        element = like[0] if like else 0
        return [_convert_scalar(name, part, element) for part in inner.split(",")] if inner else []
    if text.startswith("["):
        raise ValueError(f"hparam {name!r} takes a single value, not a list: {text!r}")
    return _convert_scalar(name, text, like)


def parse_overrides(text: str) -> list[tuple[str, str]]:
    """Split an override string into (name, raw value) pairs; error on anything unreadable."""
    pairs: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _ASSIGNMENT.match(text, position)
        if not match or match.end() == position:
            raise ValueError(
                f"cannot parse hparams {text!r} at {text[position:]!r}; "
                "expected name=value pairs separated by commas, lists in brackets "
                "(e.g. 'z_size=32,enc_rnn_size=[96,96]')")
        pairs.append((match.group(1), match.group(2)))
        position = match.end()
    return pairs


class HParams:
    """A flat set of named hyperparameters (magenta's names), readable as attributes."""

    def __init__(self, **values: Any) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no hparam named {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._values:
            raise AttributeError(f"no hparam named {name!r}")
        self._values[name] = value

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HParams) and self._values == other._values

    def __repr__(self) -> str:
        return f"HParams({self.to_string()})"

    def __deepcopy__(self, memo: dict) -> "HParams":
        return HParams(**copy.deepcopy(self._values, memo))

    def values(self) -> dict[str, Any]:
        """A copy of all values, as magenta's `HParams.values()`."""
        return copy.deepcopy(self._values)

    def copy(self) -> "HParams":
        return copy.deepcopy(self)

    def set(self, **values: Any) -> "HParams":
        """Return a copy with the given (existing) names replaced; values are taken as given."""
        unknown = sorted(set(values) - set(self._values))
        if unknown:
            raise ValueError(f"unknown hparams {unknown}; known: {sorted(self._values)}")
        result = self.copy()
        result._values.update(copy.deepcopy(values))
        return result

    def merged(self, other: "HParams") -> "HParams":
        """A copy with `other`'s names added or replaced (magenta's `merge_hparams`: how a
        config brings hparams of its own, such as a NADE's `nade_num_hidden`)."""
        result = self.copy()
        result._values.update(copy.deepcopy(other._values))
        return result

    def parse(self, text: str) -> "HParams":
        """Return a copy with overrides applied from magenta's syntax (`a=1,b=[2,3]`)."""
        pairs = parse_overrides(text or "")
        unknown = sorted({name for name, _ in pairs} - set(self._values))
        if unknown:
            raise ValueError(f"unknown hparams {unknown} in {text!r}; known: {sorted(self._values)}")
        result = self.copy()
        for name, raw in pairs:
            result._values[name] = _convert(name, raw, self._values[name])
        return result

    def to_string(self) -> str:
        """Serialize in the same syntax `parse` reads (round-trips exactly)."""
        def show(value: Any) -> str:
            if isinstance(value, list):
                return "[" + ",".join(show(v) for v in value) + "]"
            if isinstance(value, float):
                return repr(value)
            return str(value)
        return ",".join(f"{name}={show(value)}" for name, value in self._values.items())


def parsed_names(text: str) -> set[str]:
    """The hparam names an override string sets (to know what the user gave explicitly)."""
    return {name for name, _ in parse_overrides(text or "")}
