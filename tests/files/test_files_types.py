"""What an upload is, from its bytes only: the six accepted types, and everything else refused
whatever it is named (civic/file_types.py, civic/files.check_upload and clean_name)."""

import pytest

from tests.conftest import instance_config
from tests.files import samples
from wecreate_fed.civic import file_types, files
from wecreate_fed.errors import BadRequest


@pytest.mark.parametrize(("data", "kind"), [
    (samples.pdf(), file_types.PDF), (samples.png(), file_types.PNG), (samples.jpeg(), file_types.JPEG),
    (samples.webp(), file_types.WEBP), (samples.odt(), file_types.ODT), (samples.docx(), file_types.DOCX),
])
def test_each_accepted_type_is_recognised(data, kind):
    assert file_types.recognise(data) is kind


@pytest.mark.parametrize("data", [
    samples.HTML, samples.SVG, samples.SCRIPT, samples.FAKE_PDF, samples.plain_zip(),
    samples.odt(scripted=True),            # Basic macros in it
    samples.odt(compressed_mimetype=True),  # not the ODF package layout
    samples.docx(macros=True),             # a .docm under another name
    b"PK\x03\x04 not really a zip", b"\xef\xbb\xbf<svg/>", b"GIF89a\x01\x00\x01\x00", b"x",
])
def test_everything_else_is_refused(data):
    assert file_types.recognise(data) is None


def test_check_upload_names_the_reason(tmp_path):
    config = instance_config(tmp_path, "leipzig", 8000, tables={"files": {"max_bytes": 5_000}})
    assert files.check_upload(config, samples.pdf()) is file_types.PDF
    with pytest.raises(BadRequest) as caught:
        files.check_upload(config, samples.HTML)
    assert caught.value.code == "files_type" and caught.value.field == "file"
    with pytest.raises(BadRequest) as caught:
        files.check_upload(config, samples.pdf(padding=6_000))
    assert caught.value.code == "files_size" and caught.value.params == {"mb": "0.005"}
    with pytest.raises(BadRequest) as caught:
        files.check_upload(config, b"")
    assert caught.value.code == "files_empty"


@pytest.mark.parametrize(("name", "kind", "expected"), [
    ("Protokoll.pdf", file_types.PDF, "Protokoll.pdf"),
    ("C:\\Users\\anna\\Protokoll März.PDF", file_types.PDF, "Protokoll März.PDF"),
    ("../../etc/passwd", file_types.PDF, "passwd.pdf"),
    ("bild.pdf", file_types.PNG, "bild.pdf.png"),      # the type is the bytes', so is the ending
    ("foto.jpeg", file_types.JPEG, "foto.jpeg"),
    ("", file_types.DOCX, "datei.docx"),
    (".htaccess", file_types.ODT, "htaccess.odt"),
    ("a\x00b\r\nc.pdf", file_types.PDF, "abc.pdf"),
    ("x" * 300 + ".pdf", file_types.PDF, "x" * 116 + ".pdf"),
])
def test_download_names(name, kind, expected):
    assert files.clean_name(name, kind) == expected
