"""Every URL the app answers, with sample values for its arguments (for matrix tests)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from flask import Flask
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, NumberConverter


def samples(rule: Rule, argument: str) -> list[object]:
    converter = rule._converters[argument]
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)
    if isinstance(converter, NumberConverter):
        return [1]
    return ["x"]


def urls(app: Flask, method: str) -> Iterator[tuple[str, str]]:
    """(endpoint, path) for every rule answering METHOD, each `any()` value included."""
    for rule in app.url_map.iter_rules():
        if method not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        arguments = sorted(rule.arguments)
        for values in itertools.product(*(samples(rule, name) for name in arguments)):
            yield rule.endpoint, rule.build(dict(zip(arguments, values, strict=True)))[1]
