"""NumPy to Arrow, fast: fixed-width ASCII text built as byte matrices, decimals from scaled integers, dates
as day numbers, and the Arrow schema of each contract entity.

Everything here is vectorised: no Python loop over rows.
"""

import re
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brokerdesk.intake.contract import Column, Entity

EPOCH = date(1970, 1, 1)
_POWERS = 10 ** np.arange(18, -1, -1, dtype=np.int64)


def day_number(day: date) -> int:
    """Days since 1970-01-01 (Arrow date32)."""
    return (day - EPOCH).days


def from_day_number(value: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(value))


def arrow_type(type_: str) -> pa.DataType:
    if type_ == "text":
        return pa.string()
    if type_ == "int":
        return pa.int64()
    if type_ == "date":
        return pa.date32()
    if type_ == "time":
        # Parquet has no seconds-resolution TIME: whole seconds stored as TIME(MILLIS).
        return pa.time32("ms")
    if type_ == "bool":
        return pa.bool_()
    match = re.fullmatch(r"decimal\((\d+),(\d+)\)", type_)
    if match:
        return pa.decimal128(int(match.group(1)), int(match.group(2)))
    raise ValueError(f"unknown contract type {type_!r}")


CODE = pa.dictionary(pa.int8(), pa.string())
WIDE_CODE = pa.dictionary(pa.int16(), pa.string())
# Text columns with few distinct values besides those with choices (and their dictionary type).
CODED_TEXT = {"bank": CODE, "branch_code": CODE, "security_code": WIDE_CODE}


def is_coded(column: Column) -> bool:
    return column.type == "text" and (bool(column.choices) or column.name in CODED_TEXT)


def _writing_type(column: Column) -> pa.DataType:
    # Text with few values is built as dictionary arrays (int8 codes from NumPy, zero-copy) and written
    # dictionary-encoded; decimal(p<=18) is built from 64-bit integers (decimal64, zero-copy). In the
    # Parquet file both are plain logical types (STRING; INT64 DECIMAL(p,s)): readers see string and
    # decimal128(p,s), as read_schema() says.
    type_ = arrow_type(column.type)
    if is_coded(column):
        return CODED_TEXT.get(column.name, CODE)
    if pa.types.is_decimal(type_) and type_.precision <= 18:
        return pa.decimal64(type_.precision, type_.scale)
    return type_


def schema(entity: Entity) -> pa.Schema:
    """The Arrow schema tables are built with."""
    return pa.schema([pa.field(c.name, _writing_type(c), nullable=not c.required) for c in entity.columns])


def read_schema(entity: Entity) -> pa.Schema:
    """The Arrow schema a reader gets back from the Parquet file."""
    return pa.schema([pa.field(c.name, arrow_type(c.type), nullable=not c.required) for c in entity.columns])


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers as an (n, width) ASCII byte matrix."""
    values = np.asarray(values, dtype=np.int64)
    out = np.empty((len(values), width), dtype=np.uint8)
    rest = values.copy()
    for position in range(width - 1, -1, -1):
        np.remainder(rest, 10, out=out[:, position], casting="unsafe")
        rest //= 10
    out += 48
    return out


def text_matrix(*parts: np.ndarray | bytes | str, rows: int | None = None) -> np.ndarray:
    """Concatenate constant prefixes (bytes/str) and byte matrices column-wise into one (n, width) matrix."""
    matrices = [p for p in parts if isinstance(p, np.ndarray)]
    n = rows if rows is not None else len(matrices[0])
    blocks = []
    for part in parts:
        if isinstance(part, np.ndarray):
            blocks.append(part if part.ndim == 2 else part.reshape(-1, 1))
        else:
            raw = part.encode("ascii") if isinstance(part, str) else part
            blocks.append(np.broadcast_to(np.frombuffer(raw, dtype=np.uint8), (n, len(raw))))
    return np.ascontiguousarray(np.hstack(blocks)) if len(blocks) > 1 else np.ascontiguousarray(blocks[0])


def fixed_text(matrix: np.ndarray) -> pa.StringArray:
    """An Arrow string array from an (n, width) ASCII byte matrix, without copying per row."""
    matrix = np.ascontiguousarray(matrix, dtype=np.uint8)
    n, width = matrix.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32) if n * width < 2**31 else None
    if offsets is None:
        raise ValueError("text column too large for one array: write it in smaller batches")
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(matrix.reshape(-1)))


class FixedText:
    """A table of fixed-width ASCII strings (one per row of `matrix`) that can be gathered fast.

    Rows are split into 8/4/2/1-byte words, gathered with np.take, and written into a packed record array
    whose bytes are the result's (n, width) matrix (fancy indexing an (n, width) uint8 matrix row by row is
    several times slower).
    """

    def __init__(self, matrix: np.ndarray):
        matrix = np.ascontiguousarray(matrix, dtype=np.uint8)
        self.width = matrix.shape[1]
        sizes, rest = [], self.width
        for size in (8, 4, 2, 1):
            while rest >= size:
                sizes.append(size)
                rest -= size
        self.dtype = np.dtype({"names": [f"f{i}" for i in range(len(sizes))],
                               "formats": [f"<u{size}" for size in sizes],
                               "offsets": list(np.cumsum([0, *sizes[:-1]])), "itemsize": self.width})
        packed = matrix.reshape(-1).view(self.dtype)
        self.words = [np.ascontiguousarray(packed[name]) for name in self.dtype.names]

    def take(self, rows: np.ndarray) -> np.ndarray:
        """The (len(rows), width) byte matrix of the given rows."""
        out = np.empty(len(rows), dtype=self.dtype)
        for name, words in zip(self.dtype.names, self.words, strict=True):
            out[name] = np.take(words, rows)
        return out.view(np.uint8).reshape(len(rows), self.width)

    def compress(self, mask: np.ndarray) -> np.ndarray:
        """The byte matrix of the rows where mask (as long as the leading rows) is True."""
        out = np.empty(int(np.count_nonzero(mask)), dtype=self.dtype)
        for name, words in zip(self.dtype.names, self.words, strict=True):
            out[name] = np.compress(mask, words[: len(mask)])
        return out.view(np.uint8).reshape(len(out), self.width)

    def text(self, rows: np.ndarray) -> pa.StringArray:
        return fixed_text(self.take(rows))


class Serials:
    """Zero-padded serial numbers 1..n as a byte matrix, computed once and sliced per batch."""

    def __init__(self, width: int):
        self.width = width
        self.matrix = np.zeros((0, width), dtype=np.uint8)

    def first(self, n: int) -> np.ndarray:
        if n > len(self.matrix):
            self.matrix = digits(np.arange(1, max(n, 2 * len(self.matrix)) + 1), self.width)
        return self.matrix[:n]


def codes_text(codes: np.ndarray, labels: list[str] | tuple[str, ...] | pa.Array,
               mask: np.ndarray | None = None) -> pa.Array:
    """labels[codes[i]] for each row (null where mask is False), as a dictionary array over all labels
    (int8 indices up to 127 labels, else int16)."""
    dictionary = labels if isinstance(labels, pa.Array) else pa.array(list(labels), pa.string())
    if len(dictionary) > 32767:
        raise ValueError("at most 32767 labels")
    index_type = np.int8 if len(dictionary) <= 127 else np.int16
    indices = pa.array(np.asarray(codes, dtype=index_type), mask=None if mask is None else ~np.asarray(mask, bool))
    return pa.DictionaryArray.from_arrays(indices, dictionary)


def spread(values: pa.Array, mask: np.ndarray) -> pa.StringArray:
    """A string array as long as mask: values (len == mask.sum(), no nulls) in order where mask is True,
    null elsewhere. The character data is reused as is; only offsets and validity are built."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if values.type == pa.large_string():
        values = values.cast(pa.string())
    mask = np.asarray(mask, dtype=bool)
    _, offsets_buffer, data = values.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[values.offset: values.offset + len(values) + 1]
    lengths = np.zeros(len(mask), dtype=np.int32)
    lengths[mask] = np.diff(offsets)
    full = np.empty(len(mask) + 1, dtype=np.int32)
    full[0] = offsets[0]
    np.cumsum(lengths, out=full[1:])
    full[1:] += offsets[0]
    validity = np.packbits(mask, bitorder="little")
    return pa.StringArray.from_buffers(len(mask), pa.py_buffer(full), data, pa.py_buffer(validity),
                                       null_count=int(len(mask) - mask.sum()))


def fill(target: pa.Array, mask: np.ndarray, values: pa.Array) -> pa.Array:
    """target with the rows where mask is True replaced, in order, by values (len == mask.sum())."""
    if not np.any(mask):
        return target
    return pc.replace_with_mask(target, pa.array(np.asarray(mask, bool)), values)


def padded_text(matrix: np.ndarray, lengths: np.ndarray) -> pa.StringArray:
    """Strings of varying length from the left-aligned rows of a byte matrix and their lengths."""
    matrix = np.ascontiguousarray(matrix, dtype=np.uint8)
    keep = np.arange(matrix.shape[1]) < np.asarray(lengths)[:, None]
    offsets = np.zeros(len(matrix) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return pa.StringArray.from_buffers(len(matrix), pa.py_buffer(offsets), pa.py_buffer(matrix[keep]))


def decimal(scaled: np.ndarray, precision: int, scale: int) -> pa.Array:
    """decimal(precision, scale) from integers already multiplied by 10**scale (zero-copy for p <= 18)."""
    scaled = np.ascontiguousarray(scaled, dtype=np.int64)
    if precision <= 18:
        return pa.Array.from_buffers(pa.decimal64(precision, scale), len(scaled), [None, pa.py_buffer(scaled)])
    words = np.empty((len(scaled), 2), dtype=np.int64)
    words[:, 0] = scaled
    words[:, 1] = scaled >> 63  # sign extension
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(scaled), [None, pa.py_buffer(words)])


def dates(day_numbers: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    values = pa.array(np.asarray(day_numbers, dtype=np.int32)).view(pa.date32())
    if mask is not None:
        values = pc.if_else(pa.array(mask), values, pa.scalar(None, pa.date32()))
    return values


def constant_date(day: date, n: int) -> pa.Array:
    return dates(np.full(n, day_number(day), dtype=np.int32))


def times(seconds: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(seconds, dtype=np.int32) * 1000).view(pa.time32("ms"))


def integers(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64))


def booleans(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool))


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and constants (a null part gives null)."""
    return pc.binary_join_element_wise(*parts, "")


def int_text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def table(entity: Entity, columns: dict[str, pa.Array]) -> pa.Table:
    """The entity's table in contract column order and types; fails loudly on a missing or extra column."""
    names = entity.column_names
    if set(columns) != set(names):
        raise ValueError(f"{entity.name}: columns {sorted(set(columns) ^ set(names))} do not match the contract")
    target = schema(entity)
    arrays = []
    for field in target:
        array = columns[field.name]
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if array.type != field.type:
            array = array.cast(field.type)
        if not field.nullable and array.null_count:
            raise ValueError(f"{entity.name}.{field.name} is required but has nulls")
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=target)
