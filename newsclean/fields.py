"""Equality and a readable repr from `__slots__`, for the plain classes users get back from a clean."""
from __future__ import annotations

from typing import Any


class SlotFields:
    """What the dataclasses these classes were before gave them, without the decorator's start-up cost:
    equal when of one type with equal fields, unhashable (they are mutable), shown by their fields.

    >>> class Span(SlotFields):
    ...     __slots__ = ("start", "end")
    ...     def __init__(self, start, end):
    ...         self.start, self.end = start, end
    >>> Span(1, 2) == Span(1, 2), Span(1, 2) == Span(1, 3), Span(1, 2)
    (True, False, Span(start=1, end=2))
    """

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]

    def _field_values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._field_values() == other._field_values()  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({shown})"


class CheckedTuple:
    """A base, put before the named tuple, for a class whose `__new__` checks the tuple's fields: `_replace` and
    `_make` go through that check too, and `fields_of` names the caller's class when a keyword is wrong
    (`Options() got an unexpected keyword argument ...`, not the hidden tuple's name)."""

    __slots__ = ()

    @classmethod
    def fields_of(cls, base: type, args: tuple, kwargs: dict) -> Any:
        try:
            return base(*args, **kwargs)
        except TypeError as error:
            raise TypeError(str(error).replace(f"{base.__name__}.__new__()", f"{cls.__name__}()")) from None

    def _replace(self, **changes: Any) -> Any:
        return type(self)(**{**self._asdict(), **changes})  # type: ignore[attr-defined]

    @classmethod
    def _make(cls, iterable: Any) -> Any:
        return cls(*iterable)
