"""A raw file read by Arrow's reader gives what the record-by-record readers give.

`readers/rawfile.py` reads a well-formed file with Arrow's multithreaded CSV reader and leaves
anything else to the slower readers, which name what is wrong. These inputs hold the two to the
same frame, header, line numbers and bad records, and say which ones the fast path takes."""

from __future__ import annotations

import numpy as np
import pytest

from ice_cbp_awards.readers import rawfile
from ice_cbp_awards.readers.errors import RawInputError

HEADER = b"piid,mod,recipient,amount\n"

# (name, bytes, read by Arrow?)
CASES = [
    ("plain", HEADER + b"A1,0,ACME,10.00\nA2,1,BETA,-3\n", True),
    ("no final newline", HEADER + b"A1,0,ACME,10.00\nA2,1,BETA,-3", True),
    ("CRLF", HEADER.replace(b"\n", b"\r\n") + b"A1,0,ACME,10.00\r\nA2,1,BETA,-3\r\n", True),
    ("BOM", b"\xef\xbb\xbf" + HEADER + b"A1,0,ACME,1\n", True),
    ("empty cells", HEADER + b"A1,,,\n,,,\n", True),
    ("quoted commas and quotes", HEADER + b'A1,0,"ACME, ""THE"" CO",1\n', True),
    ("leading zeros and spaces", HEADER + b"007, 0 ,  ACME ,1e3\n", True),
    ("NA-like words", HEADER + b"NA,null,NaN,None\n", True),
    ("non-ASCII", HEADER + "A1,0,CAFÉ ÜBER,1\n".encode(), True),
    ("value over two lines", HEADER + b'A1,0,"ACME\nINC",1\nA2,1,BETA,2\n', False),
    ("short record", HEADER + b"A1,0,ACME\nA2,1,BETA,2\n", False),
    ("long record", HEADER + b"A1,0,ACME,1,9\nA2,1,BETA,2\n", False),
    ("blank line", HEADER + b"A1,0,ACME,1\n\nA2,1,BETA,2\n", False),
    ("blank CRLF line", HEADER + b"A1,0,ACME,1\r\n\r\nA2,1,BETA,2\r\n", False),
    ("blank last line", HEADER + b"A1,0,ACME,1\n\n", False),
    ("header only", HEADER, False),
    ("repeated header name", b"piid,piid,recipient,amount\nA1,0,ACME,1\n", False),
]


def _read(tmp_path, data: bytes, fast: bool, monkeypatch, **kwargs):
    path = tmp_path / "raw.csv"
    path.write_bytes(data)
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(rawfile, "arrow_read", lambda *a: None)
        return rawfile.read_raw_csv(path, **kwargs)


def _same(a, b) -> None:
    assert a.header == b.header
    assert a.frame.equals(b.frame)
    assert list(a.frame.dtypes) == list(b.frame.dtypes)
    assert np.array_equal(a.line_numbers, b.line_numbers)
    assert [(r.line, r.problem, r.cells) for r in a.bad_rows] == [
        (r.line, r.problem, r.cells) for r in b.bad_rows
    ]


@pytest.mark.parametrize(("name", "data", "by_arrow"), CASES, ids=[c[0] for c in CASES])
def testarrow_reading_equals_the_record_by_record_readers(
    tmp_path, monkeypatch, name, data, by_arrow
):
    assert (rawfile.arrow_read(data, None, True) is not None) is by_arrow
    _same(_read(tmp_path, data, True, monkeypatch), _read(tmp_path, data, False, monkeypatch))


@pytest.mark.parametrize("skip_header", [True, False])
def test_named_columns_with_and_without_a_header_line(tmp_path, monkeypatch, skip_header):
    names = ["a", "b", "c", "d"]
    data = (HEADER if skip_header else b"") + b"A1,0,ACME,1\nA2,1,BETA,2\n"
    assert rawfile.arrow_read(data, names, skip_header) is not None
    fast = _read(tmp_path, data, True, monkeypatch, names=names, skip_header=skip_header)
    _same(fast, _read(tmp_path, data, False, monkeypatch, names=names, skip_header=skip_header))
    assert fast.line_numbers.tolist() == ([2, 3] if skip_header else [1, 2])


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (HEADER + b"A1,0,AC\xe9ME,1\n", r"line 2: byte 0xe9 is not UTF-8"),
        (HEADER + b"A1,0,ACME,1\nA2,1,BE\rTA,2\n", r"line 3: carriage return inside"),
    ],
)
def test_unreadable_files_are_still_named_with_their_line(tmp_path, data, problem):
    assert rawfile.arrow_read(data, None, True) is None
    path = tmp_path / "raw.csv"
    path.write_bytes(data)
    with pytest.raises(RawInputError, match=problem):
        rawfile.read_raw_csv(path)
