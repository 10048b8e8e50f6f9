"""The wire between the grader and the child (autograder/sandbox/child/wire.py): what it carries
comes back exactly, and what is not plain data or not well formed is refused."""
import io
import json

import numpy as np
import pytest

from autograder.sandbox.child import wire


def message(doc, *arrays):
    """A framed body with this JSON text and these .npy byte strings, as a child could send it."""
    parts = [wire.HEADER.pack(len(doc)), doc]
    for data in arrays:
        parts += [wire.HEADER.pack(len(data)), data]
    return b"".join(parts)


def test_nested_values_come_back_with_their_types():
    value = {"a": (1, [2.5, None, True], "x"), "b": [np.arange(3.0), (np.zeros((2, 0)),)],
             "c": {"d": np.int64(4), "e": np.float32(0.5)}, "f": [], "g": ()}
    back = wire.decode(wire.encode(value))
    assert back["a"] == (1, [2.5, None, True], "x") and type(back["a"]) is tuple
    assert np.array_equal(back["b"][0], np.arange(3.0)) and back["b"][1][0].shape == (2, 0)
    assert back["c"] == {"d": 4, "e": 0.5} and type(back["c"]["d"]) is int
    assert back["f"] == [] and back["g"] == ()
    assert wire.frame(value)[8:] == wire.encode(value)


def test_decoded_arrays_are_writable_copies_of_their_own():
    shared = np.arange(4.0)
    back = wire.decode(wire.encode([shared, shared]))
    back[0][0] = 7.0
    assert back[0].flags.writeable and back[0].flags.owndata and shared[0] == 0.0


def test_a_dict_that_only_looks_like_a_marker_stays_a_dict():
    doc = b'{"x": {"__nd__": 0, "more": 1}, "y": {"__tuple__": [1], "more": 2}}'
    assert wire.decode(message(doc)) == {"x": {"__nd__": 0, "more": 1}, "y": {"__tuple__": [1], "more": 2}}


@pytest.mark.parametrize("doc", [b'{"__nd__": 0}', b'{"__nd__": -1}', b'{"__nd__": true}', b'{"__nd__": "0"}',
                                 b'{"__tuple__": "ab"}', b'{"__tuple__": {"__nd__": 0}}', b'[1, 2'])
def test_malformed_markers_and_documents_are_refused(doc):
    with pytest.raises(wire.WireError):
        wire.decode(message(doc))  # no array follows


def test_arrays_of_other_kinds_or_that_promise_more_than_they_hold_are_refused():
    buffer = io.BytesIO()
    np.save(buffer, np.array(["a"]))
    with pytest.raises(wire.WireError):
        wire.decode(message(b'{"__nd__": 0}', buffer.getvalue()))
    data = wire._npy(np.arange(4.0))
    with pytest.raises(wire.WireError):
        wire.decode(message(b'{"__nd__": 0}', data[:-8]))
    with pytest.raises(wire.WireError):
        wire.decode(message(b'{"__nd__": 0}', data[:20]))  # cut inside its header


def test_npy_written_by_numpy_in_other_versions_and_layouts_is_read():
    array = np.asfortranarray(np.arange(6, dtype="<i2").reshape(2, 3))
    for version in ((1, 0), (2, 0)):
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, array, version=version)
        back = wire.decode(message(b'[{"__nd__": 0}]', buffer.getvalue()))[0]
        assert back.dtype == array.dtype and np.array_equal(back, array)


def test_the_json_part_is_compact_json():
    body = wire.encode({"a": [1, 2], "b": "c"})
    (size,) = wire.HEADER.unpack_from(body)
    assert body[8:8 + size] == b'{"a":[1,2],"b":"c"}' and json.loads(body[8:8 + size]) == {"a": [1, 2], "b": "c"}


@pytest.mark.parametrize("header", [b"{'descr': '''<f8", b"{'descr': '<f8', 'fortran_order': False, 'shape': (((((\\"])
def test_a_header_numpys_parser_chokes_on_is_refused_as_malformed(header):
    npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
    with pytest.raises(wire.WireError, match="malformed"):
        wire.decode(message(b'{"a":{"__nd__":0}}', npy))


def test_a_header_longer_than_numpy_allows_is_refused_before_it_is_read_or_kept():
    npy = b"\x93NUMPY\x02\x00" + (4 << 20).to_bytes(4, "little") + b" " * (4 << 20)
    with pytest.raises(wire.WireError, match="header of 4194304 bytes"):
        wire.decode(message(b'{"a":{"__nd__":0}}', npy))
