"""Content-addressed file stores: a file is kept once under its SHA-256, outside the web root.

Each kind of record keeps its own store (its own root), because each deletes on its own retention: ticket
attachments go after 3 years, suitability evidence stays 20. A shared root would let one delete the other's
file with equal content.
"""

import hashlib
import os
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path


class BlobTooLarge(Exception):
    pass


class BlobStore:
    def __init__(self, root: Path, max_bytes: int):
        self.root = Path(root)
        self.max_bytes = max_bytes

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def store(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        """Write the chunks to their place (atomically: a temporary file renamed); (sha256, size).

        BlobTooLarge past max_bytes, and nothing is left behind.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with tempfile.NamedTemporaryFile(dir=self.root, delete=False) as tmp:
            try:
                for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise BlobTooLarge()
                    digest.update(chunk)
                    tmp.write(chunk)
            except BaseException:
                tmp.close()
                os.unlink(tmp.name)
                raise
        sha = digest.hexdigest()
        target = self.path(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.unlink(tmp.name)
        else:
            os.replace(tmp.name, target)
        return sha, size


def safe_filename(name: str, fallback: str) -> str:
    """A client-supplied file name fit to store and to put in a Content-Disposition header."""
    name = unicodedata.normalize("NFC", os.path.basename(name or "")).replace("\x00", "")
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '/\\"')
    return (name or fallback)[:200]


def blob_response(path: Path, *, filename: str, content_type: str, inline_types: frozenset[str]):
    """Serve a stored file after the caller's access check. Types not known to be safe inline are downloads,
    and the sandboxing Content-Security-Policy keeps an uploaded page from running script in our origin."""
    from django.http import FileResponse

    inline = content_type in inline_types
    response = FileResponse(path.open("rb"), as_attachment=not inline, filename=filename,
                            content_type=content_type if inline else "application/octet-stream")
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
