"""``jsoncodec``: compact JSON like the standard library's, with its fallbacks."""

from __future__ import annotations

import json
from enum import StrEnum

import numpy as np
import pytest

from chatwarden import jsoncodec


class Colour(StrEnum):
    RED = "red"


def test_dumps_is_compact_json_the_standard_library_reads_back() -> None:
    value = {"a": [1, 2.5, None, True], "é": "naïve ✓", Colour.RED: {"x": 0.0001}, 3: "int key"}
    text = jsoncodec.dumps(value)
    assert text == '{"a":[1,2.5,null,true],"é":"naïve ✓","red":{"x":0.0001},"3":"int key"}'
    assert json.loads(text) == json.loads(json.dumps(value))


def test_dumps_falls_back_where_orjson_refuses() -> None:
    assert jsoncodec.dumps({"n": 2**70}) == '{"n":1180591620717411303424}'
    assert jsoncodec.dumps({"s": "\ud800"}) == '{"s":"\ud800"}'  # a lone surrogate
    assert json.loads(jsoncodec.dumps({"f": np.float64(0.5)})) == {"f": 0.5}
    with pytest.raises(TypeError):
        jsoncodec.dumps({"x": object()})


def test_loads_rejects_what_is_not_json_with_a_value_error() -> None:
    assert jsoncodec.loads('{"type":"send"}') == {"type": "send"}
    assert jsoncodec.loads(b'["a"]') == ["a"]
    for bad in ("{", "NaN", "", b"\xff"):
        with pytest.raises(ValueError):
            jsoncodec.loads(bad)
