"""Checking a tool call's arguments before anything runs: size, nesting depth, JSON, lone surrogates, schema.

Every check answers with one line for the model (never an exception): the executor in `core.context.tools`
turns a refusal into `error: ...`. Depth is checked by one linear scan before `json.loads`, which recurses.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema.exceptions import ValidationError

from core.quoting import SHORT_QUOTE, has_lone_surrogate, quote_short

MAX_ARGUMENT_CHARS = 20_000  # one call's arguments as JSON text
MAX_DEPTH = 10  # arrays/objects nested in one call's arguments (edit_plan's deepest is 4)
_STRUCTURE = re.compile(r'["\[\]{}]')  # where a string or a nesting level starts or ends
_STRING_REST = re.compile(r'(?:[^"\\]|\\.)*"?', re.DOTALL)  # a string's body after its opening quote


def describe_value(value: Any) -> str:
    """A rejected value as a message shows it: quoted and cut short, whatever arrived (never recursive)."""
    if isinstance(value, str):
        return quote_short(value)
    if isinstance(value, (list, dict)):
        return f"<{type(value).__name__} of {len(value)}>"
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError):  # an object JSON cannot hold, an integer too long to print
        text = f"<{type(value).__name__}>"
    return text if len(text) <= SHORT_QUOTE else text[: SHORT_QUOTE - 3] + "..."


def schema_problem(error: ValidationError) -> str:
    """One rule that failed, naming the field; field names the model made up are quoted and cut short."""
    field = ".".join(str(p) for p in error.absolute_path) or "arguments"
    rule, schema = error.validator, error.schema
    if rule == "additionalProperties":
        extra = sorted(set(error.instance) - set(schema.get("properties", {})))
        name = quote_short(extra[0]) if extra else "?"
        more = f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""
        hint = "; tools always read this conversation's athlete" if "athlete" in name.lower() else ""
        known = ", ".join(schema.get("properties", {})) or "none"
        return f"{name}: unknown field{more}, expected one of {known}{hint}"
    if rule in ("minimum", "maximum"):
        return f"{field}: expected {schema.get('minimum')}-{schema.get('maximum')} ({rule} {error.validator_value}), got {describe_value(error.instance)}"
    if rule == "enum":
        return f"{field}: expected one of {', '.join(map(str, error.validator_value))}, got {describe_value(error.instance)}"
    if rule == "pattern":
        return f"{field}: expected {schema.get('description', 'a valid value')}, got {describe_value(error.instance)}"
    if rule == "type":
        return f"{field}: expected {error.validator_value}, got {describe_value(error.instance)}"
    return f"{field}: expected {rule} {describe_value(error.validator_value)}, got {describe_value(error.instance)}"


def too_deep(arguments_json: str) -> bool:
    """True when arrays/objects nest deeper than MAX_DEPTH (brackets inside strings do not count).

    Checked before json.loads, which recurses; one linear scan (each string is skipped by one match).
    """
    depth, pos = 0, 0
    while found := _STRUCTURE.search(arguments_json, pos):
        char, pos = found.group(), found.end()
        if char == '"':
            rest = _STRING_REST.match(arguments_json, pos)  # always matches (possibly empty)
            pos = rest.end() if rest else len(arguments_json)
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        else:
            depth -= 1
    return False


def parse_arguments(arguments_json: Any) -> tuple[dict[str, Any] | None, str]:
    """The call's arguments as a dict, or (None, one line saying what is wrong): size and depth checked first."""
    if not isinstance(arguments_json, str):
        return None, f"arguments: expected a JSON string, got {type(arguments_json).__name__}"
    if len(arguments_json) > MAX_ARGUMENT_CHARS:
        return None, f"arguments: {len(arguments_json)} characters, expected at most {MAX_ARGUMENT_CHARS}"
    if too_deep(arguments_json):
        return None, f"arguments: nested more than {MAX_DEPTH} levels deep, expected a flat JSON object"
    try:
        value = json.loads(arguments_json) if arguments_json.strip() else {}
    except RecursionError:  # not reached after too_deep; kept so the executor can never raise it
        return None, f"arguments: nested more than {MAX_DEPTH} levels deep, expected a flat JSON object"
    except ValueError as exc:  # JSONDecodeError, and ints too long to convert
        detail = quote_short(str(exc), 80)
        return None, f'arguments: not valid JSON ({detail}); expected an object like {{"days": 7}}'
    if not isinstance(value, dict):
        return None, f"arguments: expected a JSON object, got {type(value).__name__}"
    if has_lone_surrogate(value):
        return None, "arguments: text contains a lone UTF-16 surrogate; expected valid Unicode text"
    return value, ""
