"""Bytes to text for the XML and CSV formats: a BOM is dropped, the declared or UTF-8 encoding used."""

from __future__ import annotations

import re

from core.imports.model import ImportFileError

_DECLARED = re.compile(rb"""^<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")


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
    except (UnicodeDecodeError, LookupError):
        raise ImportFileError(f"{what} file is not valid {encoding} text") from None
    text = text.lstrip("\ufeff")
    return re.sub(r"""^\s*<\?xml[^>]*\?>""", "", text, count=1)
