"""Endpoint replies validated into typed values or refused with one line naming the field (core/chat/replies.py)."""

from __future__ import annotations

import json

import pytest

from core.chat.replies import ReplyError, ReplyUsage, ToolCall, check_arguments, json_depth, parse_reply
from tests.openai_server import HOSTILE, completion_body


def _body(reply: dict) -> bytes:
    if "raw" in reply:
        return reply["raw"]
    if "body" in reply:
        return json.dumps(reply["body"]).encode()
    return json.dumps(completion_body(reply, "m", 1)).encode()


def test_a_plain_completion_becomes_a_typed_reply():
    """Given an ordinary completion with a tool call, when parsed, then content, calls, finish reason and usage are typed."""
    body = completion_body({"content": "hi", "tool_calls": [{"name": "get_plan", "arguments": "{}"}]}, "m", 3)
    reply = parse_reply(json.dumps(body).encode())
    assert reply.content == "hi" and reply.finish_reason == "tool_calls"
    assert reply.tool_calls == (ToolCall("call_3_0", "get_plan", "{}"),)
    assert reply.usage == ReplyUsage(10, 5)


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_every_hostile_shape_is_refused_with_one_line_naming_the_field(shape):
    """Given a reply shape the loop cannot use, when parsed, then ReplyError says in one line what came and what was expected."""
    with pytest.raises(ReplyError) as caught:
        parse_reply(_body(HOSTILE[shape]))
    message = str(caught.value)
    assert len(message.splitlines()) == 1 and "expected" in message and len(message) < 200, message


def test_lone_surrogates_in_content_become_replacement_characters():
    """Given content holding a lone surrogate (valid JSON, invalid Unicode), when parsed, then it is U+FFFD and encodes."""
    reply = parse_reply(b'{"choices": [{"message": {"content": "ok \\ud800 end"}, "finish_reason": "stop"}]}')
    assert reply.content == "ok \ufffd end"
    reply.content.encode("utf-8")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("[" * 600 + "]" * 600, "error: arguments: nested 600 deep; expected at most 16"),
        ('{"a": ' + "[" * 1000 + "]" * 1000 + "}", "error: arguments: nested 1001 deep; expected at most 16"),
        ('{"sets": ' + "9" * 4301 + "}", "error: arguments: not valid JSON (Exceeds the limit (4300 digits) for"),
        ('{"notes": "\\ud800"}', "error: arguments: contain a lone UTF-16 surrogate"),
        ('{"notes": "x\ud800"}', "error: arguments: contain a lone UTF-16 surrogate"),
        ('{"notes": "' + "x" * 9000 + '"}', "error: arguments: 9,013 characters; expected at most 8,000"),
        ("[1, 2]", "error: arguments: expected a JSON object, got list"),
        ('{"ops": [', "error: arguments: not valid JSON ("),
    ],
    ids=["list-600-deep", "object-1000-deep", "int-4301-digits", "escaped-surrogate", "raw-surrogate", "too-long",
         "not-object", "malformed"],
)  # fmt: skip
def test_arguments_the_executor_must_not_see_get_one_error_line(arguments, expected):
    """Given hostile tool arguments, when checked, then one error line says why and the call will not run."""
    result = check_arguments(arguments, max_chars=8000, max_depth=16)
    assert result is not None and result.startswith(expected) and len(result.splitlines()) == 1, result


def test_depth_is_counted_without_recursion_and_ignores_brackets_in_strings():
    """Given 100,000 nested brackets and brackets inside strings, when measured, then the depth is exact."""
    assert json_depth("[" * 100_000 + "]" * 100_000) == 100_000
    assert json_depth('{"a": "[[[[\\"[[", "b": [1]}') == 2
    assert check_arguments('{"ops": [{"op": "update_block", "block_id": "b_1"}]}', max_chars=8000, max_depth=16) is None


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ({"cached_tokens": 8}, ReplyUsage(10, 5, 8)),
        ({}, ReplyUsage(10, 5)),
        ({"cached_tokens": 11}, "usage.prompt_tokens_details.cached_tokens: 11; expected at most the 10 prompt tokens"),
        ({"cached_tokens": "8"}, "usage.prompt_tokens_details.cached_tokens: '8'; expected a whole number"),
        ([8], "usage.prompt_tokens_details: a list; expected an object"),
    ],
)
def test_cached_prompt_tokens_are_read_from_the_usage_details_or_refused_by_name(details, expected):
    """Given usage.prompt_tokens_details, when parsed, then cached_tokens is kept (None when absent) or refused."""
    body = json.dumps(completion_body({"content": "hi", "usage": {"prompt_tokens_details": details}}, "m", 1)).encode()
    if isinstance(expected, ReplyUsage):
        assert parse_reply(body).usage == expected
    else:
        with pytest.raises(ReplyError, match=expected.replace("(", r"\(").replace("[", r"\[")):
            parse_reply(body)
