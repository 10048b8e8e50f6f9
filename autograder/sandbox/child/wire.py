"""The wire format between the grader and the sandboxed child: plain data only.

A message is a JSON document plus numpy arrays in the .npy format, framed as
    8-byte big-endian length of the JSON | JSON | for each array: 8-byte length | .npy bytes
Arrays appear in the JSON as {"__nd__": k}, tuples as {"__tuple__": [...]}. Arrays are read
with allow_pickle=False and only numeric or boolean dtypes are accepted, so decoding never runs
code. This module imports nothing but the standard library and numpy: the child loads it too.
"""
import functools
import io
import json
import math
import re
import struct

import numpy as np

HEADER = struct.Struct(">Q")
ALLOWED_KINDS = "biuf"  # bool, signed and unsigned ints, floats
# The header numpy writes for a plain array, parsed without numpy's literal_eval (a compile per
# array was a tenth of a grading run); anything else goes to numpy's own parser.
NPY_HEADER = re.compile(r"\{'descr': '([<>|=]?[biuf][1248])', 'fortran_order': (True|False), "
                        r"'shape': \(((?:\d+, ?)*\d*)\), \} *\n?")
NPY_MAGIC, NPY_ALIGN = b"\x93NUMPY\x01\x00", 64  # version 1.0; numpy pads headers to 64 bytes
MAX_HEADER = 10_000  # bytes of a .npy header, as numpy's reader allows (and at most 256 are kept parsed)
RESERVED = {"__nd__", "__tuple__"}  # keys of the markers above: a plain dict must not use them
SCALARS = (bool, int, float, str, type(None))
# Compact, and without the encoder's cycle check: _flatten builds a fresh tree, which has no cycles.
JSON = json.JSONEncoder(check_circular=False, separators=(",", ":"))


class WireError(Exception):
    """A message that is malformed, too large or holds something other than plain data."""


def _flatten(value, arrays):
    """JSON-able form of value, moving arrays into the list arrays."""
    kind = type(value)  # exact types first: what nearly every message holds
    if kind is float or kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is np.ndarray:
        arrays.append(value)
        return {"__nd__": len(arrays) - 1}
    if kind is dict:
        return {str(k): _flatten(v, arrays) for k, v in value.items()}
    if kind is list:
        return [_flatten(v, arrays) for v in value]
    if kind is tuple:
        return {"__tuple__": [_flatten(v, arrays) for v in value]}
    if isinstance(value, np.ndarray):
        arrays.append(value)
        return {"__nd__": len(arrays) - 1}
    if isinstance(value, tuple):
        return {"__tuple__": [_flatten(v, arrays) for v in value]}
    if isinstance(value, list):
        return [_flatten(v, arrays) for v in value]
    if isinstance(value, dict):
        return {str(k): _flatten(v, arrays) for k, v in value.items()}
    if isinstance(value, (np.bool_, np.integer, np.floating)):
        return value.item()
    if isinstance(value, SCALARS):
        return value
    raise WireError(f"cannot send a {type(value).__name__}")


@functools.lru_cache(maxsize=256)
def _npy_header(descr, shape):
    """Magic, length and padded header of a C-order .npy (version 1.0) array: one per dtype and
    shape, written here rather than by np.save, whose writer costs tens of microseconds per array."""
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}"
    padded = header.ljust(NPY_ALIGN * -(-(len(NPY_MAGIC) + 2 + len(header) + 1) // NPY_ALIGN)
                          - len(NPY_MAGIC) - 2 - 1) + "\n"
    return NPY_MAGIC + struct.pack("<H", len(padded)) + padded.encode("latin1")


def _npy_parts(array):
    """(header, data) of the .npy bytes of a numeric array, in C order; 0-d stays 0-d."""
    if array.dtype.kind not in ALLOWED_KINDS:
        raise WireError(f"cannot send an array of dtype {array.dtype}")
    return _npy_header(array.dtype.str, array.shape), np.ndarray.tobytes(array)  # C order, whatever the layout


def _npy(array):
    """.npy (version 1.0) bytes of a numeric array, in C order; 0-d stays 0-d."""
    return b"".join(_npy_parts(array))


def _parts(value):
    """The bytes of one message holding value, as a list of pieces to join."""
    arrays = []
    doc = JSON.encode(_flatten(value, arrays)).encode()
    parts = [HEADER.pack(len(doc)), doc]
    for array in arrays:
        header, data = _npy_parts(array)
        parts += (HEADER.pack(len(header) + len(data)), header, data)
    return parts


def encode(value):
    """Bytes of one framed message holding value (JSON-able data, tuples and numpy arrays)."""
    return b"".join(_parts(value))


def _read_header(buffer, version):
    """(shape, fortran_order, dtype) of a .npy header at the buffer's position."""
    start = buffer.tell()
    length_format = "<H" if version == (1, 0) else "<I"
    (length,) = struct.unpack(length_format, buffer.read(struct.calcsize(length_format)))
    if length > MAX_HEADER:  # before it is read or kept: numpy refuses longer ones anyway
        raise WireError(f".npy header of {length} bytes")
    parsed = _plain_header(buffer.read(length))
    if parsed:
        shape, order, dtype, _ = parsed
        return shape, order == "F", dtype
    buffer.seek(start)
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    return read(buffer)


@functools.lru_cache(maxsize=256)
def _plain_header(header):
    """(shape, order, dtype, bytes of data) of the bytes of a header as numpy writes it for a plain
    array (NPY_HEADER: its dtypes are all allowed ones), or None; one parse per shape and dtype."""
    match = NPY_HEADER.fullmatch(header.decode("latin1"))
    if match is None:
        return None
    shape = tuple(map(int, filter(None, match.group(3).replace(" ", "").split(","))))
    dtype = np.dtype(match.group(1))
    return shape, "F" if match.group(2) == "True" else "C", dtype, math.prod(shape) * dtype.itemsize


def _read_array(data, start, size):
    """An array from the .npy bytes data[start:start + size], checking dtype and size against its
    header before reading."""
    end = min(start + size, len(data))
    parsed = None
    if data.startswith(NPY_MAGIC, start):  # version 1.0, as encode writes it: read in place
        offset = min(start + len(NPY_MAGIC) + 2 + int.from_bytes(data[start + 8:start + 10], "little"), end)
        parsed = _plain_header(data[start + 10:offset]) if offset - start - 10 <= MAX_HEADER else None
    if parsed is None:
        buffer = io.BytesIO(data[start:end])
        version = np.lib.format.read_magic(buffer)
        if version not in ((1, 0), (2, 0)):
            raise WireError(f"unsupported .npy version {version}")
        shape, fortran, dtype = _read_header(buffer, version)
        if dtype.kind not in ALLOWED_KINDS or dtype.hasobject or dtype.fields:
            raise WireError(f"array of dtype {dtype}")
        parsed = shape, "F" if fortran else "C", dtype, math.prod(shape) * dtype.itemsize
        offset = start + buffer.tell()
    shape, order, dtype, length = parsed
    if length != end - offset:  # a header must not promise more than is there
        raise WireError(f"array of shape {shape} does not match its {end - offset} bytes")
    flat = np.frombuffer(data, dtype=dtype, count=length // dtype.itemsize, offset=offset)
    return flat.reshape(shape, order=order).copy()


def _restorer(arrays):
    """The object hook that turns the markers of a decoded document back into arrays and tuples
    (json calls it on every object, innermost first)."""
    def restore(value):
        if len(value) == 1:
            if "__nd__" in value:
                index = value["__nd__"]
                if type(index) is not int or not 0 <= index < len(arrays):
                    raise WireError(f"no array {str(index)[:20]}")
                return arrays[index]
            if "__tuple__" in value:
                items = value["__tuple__"]
                if type(items) is not list:
                    raise WireError("a tuple that is not a list")
                return tuple(items)
        return value
    return restore


def decode(data):
    """The value of one framed message (bytes); raises WireError for anything but plain data."""
    try:
        data = data if type(data) is bytes else bytes(data)
        (size,) = HEADER.unpack_from(data, 0)
        offset = HEADER.size + size
        doc = data[HEADER.size:offset]
        arrays = []
        while offset < len(data):
            (size,) = HEADER.unpack_from(data, offset)
            offset += HEADER.size
            arrays.append(_read_array(data, offset, size))
            offset += size
        return json.loads(doc, object_hook=_restorer(arrays))
    except WireError:
        raise
    except Exception as error:  # noqa: BLE001 - numpy's header parser raises others too (tokenize.TokenError)
        raise WireError(f"malformed message: {type(error).__name__}: {str(error)[:200]}") from None


def frame(value):
    """One message as bytes, prefixed by its total length (8 bytes, big-endian)."""
    parts = _parts(value)
    return b"".join([HEADER.pack(sum(map(len, parts)))] + parts)
