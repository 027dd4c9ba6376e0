"""Bytes to text for the XML and CSV formats: a BOM is dropped, the declared or UTF-8 encoding used."""

from __future__ import annotations

import re

from core.imports.model import ImportFileError

_DECLARED = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


def decode_xml_text(data: bytes, what: str) -> str:
    """The document as text without its XML declaration's encoding (gpxpy and ElementTree parse text).

    A UTF-8/UTF-16 BOM is honoured and dropped; otherwise the declared encoding (e.g. windows-1250), else UTF-8.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        encoding, data = "utf-8", data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        match = _DECLARED.match(data.lstrip()[:200])
        encoding = match.group(1).decode("ascii") if match else "utf-8"
    try:
        text = data.decode(encoding)
    except LookupError:
        raise ImportFileError(f"{what} file declares encoding {encoding!r}, which Python cannot read") from None
    except UnicodeDecodeError:
        raise ImportFileError(f"{what} file is not valid {encoding} text (the encoding it declares or UTF-8)") from None
    text = text.lstrip("\ufeff")
    return re.sub(r"""^\s*<\?xml[^>]*\?>""", "", text, count=1)


def decode_csv_text(data: bytes) -> str:
    """A CSV's text: UTF-16 when it starts with a UTF-16 BOM (as Excel's "Unicode text" saves), else UTF-8
    (a BOM dropped, an undecodable byte shown as U+FFFD)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").lstrip("\ufeff")
        except UnicodeDecodeError:
            raise ImportFileError("CSV starts with a UTF-16 mark but is not valid UTF-16 text") from None
    return data.decode("utf-8-sig", "replace")
