"""The wire format between the grader and the sandboxed child: plain data only.

A message is a JSON document plus numpy arrays in the .npy format, framed as
    8-byte big-endian length of the JSON | JSON | for each array: 8-byte length | .npy bytes
Arrays appear in the JSON as {"__nd__": k}, tuples as {"__tuple__": [...]}. Arrays are read
with allow_pickle=False and only numeric or boolean dtypes are accepted, so decoding never runs
code. This module imports nothing but the standard library and numpy: the child loads it too.
"""
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
RESERVED = {"__nd__", "__tuple__"}  # keys of the markers above: a plain dict must not use them


class WireError(Exception):
    """A message that is malformed, too large or holds something other than plain data."""


def _flatten(value, arrays):
    """JSON-able form of value, moving arrays into the list arrays."""
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
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise WireError(f"cannot send a {type(value).__name__}")


def _restore(value, arrays):
    if isinstance(value, list):
        return [_restore(v, arrays) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__nd__"}:
            return arrays[value["__nd__"]]
        if set(value) == {"__tuple__"}:
            return tuple(_restore(v, arrays) for v in value["__tuple__"])
        return {k: _restore(v, arrays) for k, v in value.items()}
    return value


def _npy(array):
    """.npy (version 1.0) bytes of a numeric array, in C order; 0-d stays 0-d.

    Written here rather than by np.save: the header is one format string, where numpy's writer
    costs tens of microseconds per array, on both sides of every request."""
    if array.dtype.kind not in ALLOWED_KINDS:
        raise WireError(f"cannot send an array of dtype {array.dtype}")
    header = f"{{'descr': '{array.dtype.str}', 'fortran_order': False, 'shape': {array.shape!r}, }}"
    padded = header.ljust(NPY_ALIGN * -(-(len(NPY_MAGIC) + 2 + len(header) + 1) // NPY_ALIGN)
                          - len(NPY_MAGIC) - 2 - 1) + "\n"
    return b"".join((NPY_MAGIC, struct.pack("<H", len(padded)), padded.encode("latin1"),
                     np.ascontiguousarray(array).tobytes()))


def encode(value):
    """Bytes of one framed message holding value (JSON-able data, tuples and numpy arrays)."""
    arrays = []
    doc = json.dumps(_flatten(value, arrays)).encode()
    parts = [HEADER.pack(len(doc)), doc]
    for array in arrays:
        data = _npy(array)
        parts += [HEADER.pack(len(data)), data]
    return b"".join(parts)


def _read_header(buffer, version):
    """(shape, fortran_order, dtype) of a .npy header at the buffer's position."""
    start = buffer.tell()
    length_format = "<H" if version == (1, 0) else "<I"
    (length,) = struct.unpack(length_format, buffer.read(struct.calcsize(length_format)))
    match = NPY_HEADER.fullmatch(buffer.read(length).decode("latin1"))
    if match:
        shape = tuple(int(n) for n in match.group(3).replace(" ", "").split(",") if n)
        return shape, match.group(2) == "True", np.dtype(match.group(1))
    buffer.seek(start)
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    return read(buffer)


def _read_array(data):
    """An array from .npy bytes, checking dtype and size against its header before reading."""
    buffer = io.BytesIO(data)
    version = np.lib.format.read_magic(buffer)
    if version not in ((1, 0), (2, 0)):
        raise WireError(f"unsupported .npy version {version}")
    shape, fortran, dtype = _read_header(buffer, version)
    if dtype.kind not in ALLOWED_KINDS or dtype.hasobject or dtype.fields:
        raise WireError(f"array of dtype {dtype}")
    count = math.prod(shape)
    if count * dtype.itemsize != len(data) - buffer.tell():  # a header must not promise more than is there
        raise WireError(f"array of shape {shape} does not match its {len(data) - buffer.tell()} bytes")
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=buffer.tell())
    return flat.reshape(shape, order="F" if fortran else "C").copy()


def decode(data):
    """The value of one framed message (bytes); raises WireError for anything but plain data."""
    try:
        (size,) = HEADER.unpack_from(data, 0)
        offset = HEADER.size + size
        doc = json.loads(data[HEADER.size:offset])
        arrays = []
        while offset < len(data):
            (size,) = HEADER.unpack_from(data, offset)
            offset += HEADER.size
            arrays.append(_read_array(data[offset:offset + size]))
            offset += size
        return _restore(doc, arrays)
    except WireError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, struct.error, UnicodeDecodeError, RecursionError,
            MemoryError) as error:
        raise WireError(f"malformed message: {type(error).__name__}: {str(error)[:200]}") from None


def frame(value):
    """One message as bytes, prefixed by its total length (8 bytes, big-endian)."""
    body = encode(value)
    return HEADER.pack(len(body)) + body
