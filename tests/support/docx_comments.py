"""Add a review comment to a .docx written by python-docx, which (0.8.11) has no comments API:
word/comments.xml, its relationship and content type, and the comment's range and reference
around the paragraph that holds `anchor`, as Word writes them (a comment without a reference is
not shown, and LibreOffice drops it on conversion). Used by the inspection tests."""
import os
import zipfile

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def add_comment(src, dst, text, anchor, author="Reviewer"):
    """Write src with a comment `text` on the paragraph containing the bytes `anchor` to dst
    (dst may be src)."""
    comments = ('<w:comments xmlns:w="%s"><w:comment w:id="0" w:author="%s" w:initials="%s">'
                '<w:p><w:r><w:t>%s</w:t></w:r></w:p></w:comment></w:comments>') % (W, author, author[:1], text)
    tmp = dst + ".tmp"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>",
                                    b'<Relationship Id="rIdC1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="comments.xml"/></Relationships>')
            elif item.filename == "word/document.xml":
                at = data.index(anchor)
                start = data.index(b"<w:r>", data.rindex(b"<w:p>", 0, at))
                end = data.index(b"</w:p>", at)
                data = (data[:start] + b'<w:commentRangeStart w:id="0"/>' + data[start:end] +
                        b'<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>' + data[end:])
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>",
                                    b'<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/></Types>')
            zout.writestr(item, data)
        zout.writestr("word/comments.xml", comments)
    os.replace(tmp, dst)
