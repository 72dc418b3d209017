"""JSON text as the command line writes it (``--json``): exactly
``json.dumps(payload, ensure_ascii=False, indent=2, default=str)``, made faster for long lists
of flat records — a roll-up's hundreds of thousands of commitments, a large ledger's findings.

With ``indent`` the standard library encodes in Python, one generator step per value. Here each
long list of records (dicts with the same keys, each value a string, number, truth value, null
or a list of those) is left out of that: it is encoded a column at a time (every string of a
column by the C encoder in one ``map``), its records joined by whole-list operations, and put
back where the standard encoder wrote a placeholder, at that place's indentation. Everything
else — and any list that is not such a list — is encoded by ``json.dumps`` itself, so the text
is the same byte for byte (``tests/test_json_text.py`` compares the two on generated payloads).

Standard library only: the command line imports this module on its start-up path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from itertools import chain, repeat
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

#: A list of records shorter than this is left to ``json.dumps``.
RECORDS_AT_LEAST = 32

_SCALARS = frozenset({str, int, float, bool, type(None)})
_INDENT = "  "


def dumps(payload: Any) -> str:
    """``json.dumps(payload, ensure_ascii=False, indent=2, default=str)``, the same text."""
    token = f"@@lumledger-records-{os.urandom(16).hex()}-"  # no text of the payload has it
    found: dict[str, dict[str, list[Any]]] = {}
    skeleton = _set_aside(payload, token, found, set())
    text = json.dumps(skeleton, ensure_ascii=False, indent=2, default=str)
    if not found:
        return text
    parts: list[str] = []
    at = 0
    for name, columns in found.items():
        placeholder = f'"{name}"'
        where = text.index(placeholder, at)
        line = text.rfind("\n", 0, where) + 1
        depth = 0  # the indentation of the placeholder's line
        while text[line + depth] == " ":
            depth += 1
        parts += [text[at:where], _records_text(columns, " " * depth)]
        at = where + len(placeholder)
    parts.append(text[at:])
    return "".join(parts)


def _set_aside(
    value: Any, token: str, found: dict[str, dict[str, list[Any]]], path: set[int]
) -> Any:
    """``value`` with each long list of flat records replaced by a placeholder string (its
    columns kept in ``found``); dicts and lists on the way are copied, nothing else is touched."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return value
    if id(value) in path:
        raise ValueError("Circular reference detected")  # as json.dumps says it
    path.add(id(value))
    try:
        if kind is dict:
            return {key: _set_aside(item, token, found, path) for key, item in value.items()}
        columns = _columns(value)
        if columns is not None:
            name = f"{token}{len(found)}"
            found[name] = columns
            return name
        return [_set_aside(item, token, found, path) for item in value]
    finally:
        path.discard(id(value))


def _columns(items: list[Any]) -> dict[str, list[Any]] | None:
    """The columns of a long list of flat records (see the module), else ``None``."""
    if len(items) < RECORDS_AT_LEAST or set(map(type, items)) != {dict}:
        return None
    shapes = set(map(tuple, items))
    if len(shapes) != 1:
        return None
    (keys,) = shapes
    if not keys or set(map(type, keys)) != {str}:
        return None
    columns: dict[str, list[Any]] = {}
    for key in keys:
        column = list(map(itemgetter(key), items))
        types = set(map(type, column))
        if list in types:
            types.discard(list)
            lists = [value for value in column if type(value) is list]
            if not set(map(type, chain.from_iterable(lists))) <= _SCALARS:
                return None
        if not types <= _SCALARS:
            return None
        columns[key] = column
    return columns


def _records_text(columns: dict[str, list[Any]], indent: str) -> str:
    """The records (by column) as ``json.dumps`` with ``indent=2`` writes their list where its
    line is ``indent`` deep: the pieces of every record interleaved and joined in one go."""
    inner = indent + _INDENT  # each record's braces
    field = inner + _INDENT  # each record's fields
    pieces: list[Iterable[str]] = []
    for i, (key, column) in enumerate(columns.items()):
        lead = field + encode_basestring(key) + ": "
        if i == 0:  # the first field opens the record, and all records but the first end one
            pieces.append(chain([inner + "{\n" + lead], repeat(",\n" + inner + "{\n" + lead)))
        else:
            pieces.append(repeat(",\n" + lead))
        pieces += _value_pieces(column, field)
    pieces.append(repeat("\n" + inner + "}"))
    body = "".join(chain.from_iterable(zip(*pieces, strict=False)))  # the columns end it
    return "[\n" + body + "\n" + indent + "]"


def _value_pieces(column: list[Any], indent: str) -> list[Iterable[str]]:
    """A column's values as JSON, in one or more pieces per value (to be interleaved); a list
    (of scalars) laid out ``indent`` deep."""
    types = set(map(type, column))
    if types == {str}:
        return [map(encode_basestring, column)]
    if types == {int}:
        distinct = dict.fromkeys(column)
        if len(distinct) * 4 > len(column):
            return [map(int.__repr__, column)]
        texts = {value: int.__repr__(value) for value in distinct}  # years, counts
        return [map(texts.__getitem__, column)]
    if list not in types:
        return [map(_scalar_text, column)]
    item = indent + _INDENT
    if types == {list} and set(map(len, column)) == {1}:  # lists of one value each
        (values,) = _value_pieces(list(chain.from_iterable(column)), item)
        return [repeat("[\n" + item), values, repeat("\n" + indent + "]")]

    def list_text(value: Any) -> str:
        if type(value) is not list:
            return _scalar_text(value)
        if not value:
            return "[]"
        items = map(encode_basestring if set(map(type, value)) == {str} else _scalar_text, value)
        return "[\n" + item + (",\n" + item).join(items) + "\n" + indent + "]"

    return [map(list_text, column)]


def _float_text(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


_SCALAR_TEXT: dict[type, Callable[[Any], str]] = {
    str: encode_basestring,
    int: int.__repr__,
    float: _float_text,
    bool: lambda value: "true" if value else "false",
    type(None): lambda _value: "null",
}


def _scalar_text(value: Any) -> str:
    return _SCALAR_TEXT[type(value)](value)
