"""looop.input_limits: the pure checks that every entry point calls."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from looop.input_limits import (
    MAX_PAGING_NUMBER,
    InputRefused,
    integer_value,
    json_depth_exceeds,
    json_document,
    params_check,
    safe_text,
    text_check,
    text_problem,
)


def refusal(call, *args, **kwargs) -> tuple[str, str, str]:
    with pytest.raises(InputRefused) as caught:
        call(*args, **kwargs)
    return caught.value.kind, caught.value.field, caught.value.message


def load(raw: bytes, max_depth: int = 32, max_bytes: int = 100_000) -> object:
    return json_document(raw, max_bytes=max_bytes, max_depth=max_depth)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_text_problems():
    assert text_problem("Zoë 😀 \u202e") is None
    assert text_problem("a\x00b") == "a NUL character"
    assert text_problem("\ud800") == "an unpaired UTF-16 surrogate"
    assert text_problem("x\udfff") == "an unpaired UTF-16 surrogate"
    assert text_check("fine", "title") == "fine"
    assert refusal(text_check, "a\x00", "title") == (
        "text", "title", "'title' contains a NUL character, which is not allowed."
    )  # fmt: skip


def test_safe_text_escapes_what_cannot_be_encoded():
    assert safe_text("a\x00b\ud800c") == "a\\u0000b\\ud800c"
    assert safe_text("a\x00b\ud800c").encode("utf-8") == b"a\\u0000b\\ud800c"
    assert safe_text("plain ß") == "plain ß"


def test_params_check():
    params_check([("q", ["Zoë"]), ("page", ["2", "3"])])
    params_check([("filter", ["a\x00"])], skip={"filter"})
    assert refusal(params_check, [("q", ["ok", "a\x00"])]) == (
        "text", "q", "The parameter 'q' contains a NUL character, which is not allowed."
    )  # fmt: skip
    assert refusal(params_check, [("a\x00", ["1"])])[2] == (
        "The parameter 'a\\u0000' contains a NUL character, which is not allowed."
    )
    json.dumps(refusal(params_check, [("\ud800", [""])])[2]).encode()  # encodable


def test_depth_is_measured_without_recursion():
    assert not json_depth_exceeds(nested(32).encode(), 32)
    assert json_depth_exceeds(nested(33).encode(), 32)
    assert json_depth_exceeds(nested(100_000).encode(), 32)
    assert not json_depth_exceeds(b'{"a": "' + b"[" * 500 + b'"}', 32)  # brackets in a string
    assert not json_depth_exceeds(b'["\\"[[[[\\\\", ' + b"[1]," * 100 + b"1]", 32)
    assert not json_depth_exceeds('["Zoë\\n[[[[", '.encode() + b"[1]," * 100 + b"1]", 32)
    objects = b'{"a":' * 40 + b"1" + b"}" * 40
    assert json_depth_exceeds(objects, 39) and not json_depth_exceeds(objects, 40)


def test_json_document_within_limits():
    assert load(b'{"userName": "a@b.test", "emails": [{"value": "x"}]}') == {
        "userName": "a@b.test", "emails": [{"value": "x"}],
    }  # fmt: skip
    assert load(nested(32).encode()) == json.loads(nested(32))
    assert load(b'\xef\xbb\xbf{"a": "\\u00e9"}') == {"a": "é"}  # BOM, escapes that are fine


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (nested(33).encode(), ("too_deep", "", "The request body nests arrays and objects "
                                              "deeper than 32 levels.")),
        (nested(980).encode(), ("too_deep", "", "The request body nests arrays and objects "
                                               "deeper than 32 levels.")),
        (b"[" * 5000, ("too_deep", "", "The request body is nested too deeply.")),
        (b"x" * 100_001, ("too_large", "", "The request body is larger than 100000 bytes.")),
        (b"{", ("syntax", "", "The request body is not valid JSON.")),
        (b"NaN", ("syntax", "", "The request body is not valid JSON.")),
        (b'{"a": Infinity}', ("syntax", "", "The request body is not valid JSON.")),
        (b'"\xed\xa0\x80"', ("syntax", "", "The request body is not valid UTF-8.")),
        (b'"a\x00"', ("syntax", "", "The request body is not valid JSON.")),
        (b'{"title": "\\ud800"}', ("text", "title", "'title' contains an unpaired UTF-16 "
                                                    "surrogate, which is not allowed.")),
        (b'{"emails": [{"value": "a\\u0000"}]}', ("text", "emails[0].value",
            "'emails[0].value' contains a NUL character, which is not allowed.")),
        (b'{"a\\u0000b": 1}', ("text", "a\\u0000b", "'a\\u0000b' contains a NUL character, "
                                                      "which is not allowed.")),
        (b'"\\udfff"', ("text", "(the body)", "'(the body)' contains an unpaired UTF-16 "
                                              "surrogate, which is not allowed.")),
    ],
)  # fmt: skip
def test_json_document_refusals(raw, expected):
    assert refusal(load, raw) == expected


def test_a_paired_surrogate_escape_is_one_character():
    assert load(b'{"a": "\\ud83d\\ude00"}') == {"a": "😀"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5), ("5", 5), (" 7 ", 7), ("-3", -3), ("+2", 2), (1.9, 1), (1e300, MAX_PAGING_NUMBER),
        ("000000000000000000005", 5), ("9" * 5000, MAX_PAGING_NUMBER),
        (-(10**30), -MAX_PAGING_NUMBER), ("-99999999999999999999", -MAX_PAGING_NUMBER),
    ],
)  # fmt: skip
def test_integer_value(value, expected):
    assert integer_value(value, "count") == expected


@pytest.mark.parametrize(
    "value", [float("inf"), float("-inf"), float("nan"), True, "1e5", "1.0", "٣", "", None, []]
)
def test_integer_value_refusals(value):
    assert refusal(integer_value, value, "startIndex") == (
        "number", "startIndex", "'startIndex' must be an integer."
    )  # fmt: skip


def depth_of(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


tricky_text = st.text(alphabet='[]{}"\\ aé\n', max_size=8)
documents = st.recursive(
    st.none() | st.integers() | tricky_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky_text, inner, max_size=3),
    max_leaves=30,
)


@settings(max_examples=500, derandomize=True, database=None)
@given(document=documents, ascii_only=st.booleans())
def test_depth_agrees_with_the_parsed_document(document, ascii_only):
    raw = json.dumps(document, ensure_ascii=ascii_only).encode()
    depth = depth_of(document)
    assert json_depth_exceeds(raw, depth) is False
    assert json_depth_exceeds(raw, max(depth - 1, 0)) is (depth > 0)
