"""A family of bad uploads, made the way they turn up: deep nesting in several places; damaged,
truncated, encrypted and oddly compressed zips; zip64; a byte-order mark; UTF-16; lone
surrogates; too many cells; outputs big and too big; links out of a submission's folder.

``make_bad_uploads(notebooks, folder)`` writes them and returns {file name: what the gradebook
must say}: ``None`` for a file that must be graded as the honest notebook it holds, else a piece
of its "Unreadable: …" status.
"""

import json
import struct
import zipfile

import nbformat
from submissions import submission

HONEST = None  # graded in full, like the solution


def _solution_json(notebooks, tmp):
    return json.loads(submission(notebooks, tmp, base="solution", name="disc01.ipynb").read_text())


def _zip(path, data, name="disc01.ipynb", method=zipfile.ZIP_DEFLATED, force_zip64=False):
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        with zf.open(zipfile.ZipInfo(name, date_time=(2026, 9, 5, 12, 0, 0)), "w", force_zip64=force_zip64) as f:
            f.write(data)
    return path


def _patch_headers(path, offset_local, offset_central, value, size="<H", combine=None):
    """Rewrite one field of the first entry's local header and of its central directory record."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", offset_local), (b"PK\x01\x02", offset_central)):
        at = data.index(signature) + offset
        old = struct.unpack_from(size, data, at)[0]
        struct.pack_into(size, data, at, combine(old) if combine else value)
    path.write_bytes(bytes(data))


def _nested(depth):
    return "[" * depth + "]" * depth


def make_bad_uploads(notebooks, folder):
    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder.parent / f"{folder.name}-scratch"
    scratch.mkdir(exist_ok=True)
    honest = _solution_json(notebooks, scratch)
    text = json.dumps(honest)
    expect = {}

    def write(name, content, says):
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
        expect[name] = says

    # nesting: too deep to parse anywhere; shallow enough to parse in places the judge drops
    write("nested_top.ipynb", _nested(100_000), "nested too deeply")
    write("nested_in_metadata.ipynb", text.replace('"metadata": {', f'"metadata": {{"deep": {_nested(50_000)}, ', 1),
          "nested too deeply")
    deep_output = dict(honest)
    deep_output["cells"] = [dict(c) for c in honest["cells"]]
    deep_output["cells"][0]["metadata"] = {"deep": json.loads(_nested(900))}
    code = next(c for c in deep_output["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": {"application/json": json.loads(_nested(900))}}]
    write("nested_but_parseable.ipynb", json.dumps(deep_output), HONEST)

    # encodings
    write("byte_order_mark.ipynb", b"\xef\xbb\xbf" + text.encode(), HONEST)
    write("utf16.ipynb", text.encode("utf-16"), HONEST)
    write("latin1.ipynb", text.replace('"cells"', '"cells"', 1).encode() + b"\xe9\xff", "not UTF-8 text")
    surrogates = dict(honest)
    surrogates["cells"] = [dict(c) for c in honest["cells"]]
    for cell in surrogates["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = "A lone surrogate \ud800 in the text"
            break
    write("lone_surrogate.ipynb", json.dumps(surrogates), HONEST)  # json escapes it as \ud800

    # odd structures
    write("cells_not_a_list.ipynb", json.dumps({"cells": {"0": {}}, "nbformat": 4}), "no list of cells")
    odd = dict(honest)
    odd["cells"] = honest["cells"] + [{"cell_type": "code", "source": 42, "metadata": []}, "not a cell",
                                      {"source": "print('no type')"}]
    write("odd_cells.ipynb", json.dumps(odd), HONEST)
    many = dict(honest)
    many["cells"] = honest["cells"] + [nbformat.v4.new_code_cell("pass") for _ in range(5000)]
    write("many_cells.ipynb", json.dumps(many), "5,")
    big_output = dict(honest)
    big_output["cells"] = [dict(c) for c in honest["cells"]]
    code = next(c for c in big_output["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x" * (30 << 20)}]
    write("large_output.ipynb", json.dumps(big_output), HONEST)
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x" * (60 << 20)}]
    write("too_large_output.ipynb", json.dumps(big_output), "clear its outputs")

    # zips
    _zip(folder / "plain.zip", text.encode())
    expect["plain.zip"] = HONEST
    _zip(folder / "zip64.zip", text.encode(), force_zip64=True)
    expect["zip64.zip"] = HONEST
    _zip(folder / "bzip2.zip", text.encode(), method=zipfile.ZIP_BZIP2)
    expect["bzip2.zip"] = HONEST
    damaged = _zip(folder / "damaged.zip", text.encode())
    data = bytearray(damaged.read_bytes())
    start = data.index(b"disc01.ipynb") + len("disc01.ipynb") + 200
    data[start:start + 64] = bytes(64)  # the deflated stream, zeroed in the middle
    damaged.write_bytes(bytes(data))
    expect["damaged.zip"] = "damaged"
    truncated = _zip(folder / "truncated.zip", text.encode())
    truncated.write_bytes(truncated.read_bytes()[:len(truncated.read_bytes()) // 2])
    expect["truncated.zip"] = "damaged or incomplete"
    encrypted = _zip(folder / "encrypted.zip", text.encode())
    _patch_headers(encrypted, 6, 8, None, combine=lambda flags: flags | 0x1)
    expect["encrypted.zip"] = "encrypted"
    deflate64 = _zip(folder / "deflate64.zip", text.encode())
    _patch_headers(deflate64, 8, 10, 9)
    expect["deflate64.zip"] = "Deflate64"
    _zip(folder / "zip_bomb.zip", text.encode() + b" " * (60 << 20))  # 60 MB in a few hundred KB
    expect["zip_bomb.zip"] = "clear its outputs"
    lying = _zip(folder / "size_lies.zip", text.encode() + b" " * (60 << 20))
    _patch_headers(lying, 22, 24, len(text), size="<I")  # declares the honest notebook's size
    expect["size_lies.zip"] = "damaged"
    return expect
