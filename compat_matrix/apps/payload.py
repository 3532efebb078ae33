"""Bodies that are the same on every run, for the app and the scenarios."""
import hashlib

BLOCK = 65536
_BLOCK = hashlib.sha256(b"matrix").digest() * (BLOCK // 32)


def blocks(size):
    """*size* bytes in blocks of 64 KiB (a streamed body)."""
    whole, rest = divmod(size, BLOCK)
    return [_BLOCK] * whole + ([_BLOCK[:rest]] if rest else [])


def pattern(size):
    """The same *size* bytes, whole."""
    return b"".join(blocks(size))
