"""Read-only JSON: what a cache hands out, so that no caller can change it for the whole process.

``openapi.yaml`` is parsed once and each stage's document built once; every part of fake-beeper
reads them. Handing out the cached dicts themselves meant one stray ``schema["required"].append``
would change the contract for everything after it. ``freeze`` makes a deep read-only copy: dicts
and lists that read as usual (``isinstance(x, dict)`` holds, orjson and ``json`` serialise them)
but refuse every change with a ``TypeError``. ``copy.deepcopy`` of one is an ordinary, mutable
copy: the way to get data to change.
"""

from __future__ import annotations

import copy
from typing import Any, NoReturn


def _refuse(self: object, *args: object, **kwargs: object) -> NoReturn:
    raise TypeError(f"{type(self).__name__} is read-only (a cached part of the contract): "
                    "change a copy.deepcopy of it")


class FrozenDict(dict[str, Any]):
    """A dict that refuses changes."""

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {key: copy.deepcopy(value, memo) for key, value in self.items()}

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))


class FrozenList(list[Any]):
    """A list that refuses changes."""

    __setitem__ = __delitem__ = append = extend = insert = pop = remove = clear = sort = reverse = _refuse
    __iadd__ = __imul__ = _refuse

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [copy.deepcopy(value, memo) for value in self]

    def __copy__(self) -> list[Any]:
        return list(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenList, (list(self),))


def freeze(value: Any) -> Any:
    """A deep read-only copy of a JSON value (dicts and lists frozen, the rest as it is)."""
    if isinstance(value, dict):
        return FrozenDict({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list):
        return FrozenList([freeze(item) for item in value])
    return value


def thawed(value: Any) -> Any:
    """A plain, mutable deep copy (for libraries that take exact ``dict``s and ``list``s only)."""
    return copy.deepcopy(value)
