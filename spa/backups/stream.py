"""Streaming authenticated encryption of a backup archive (AES-256-GCM, `cryptography`).

The archive is cut into chunks of CHUNK bytes, each sealed on its own, so neither
writing nor reading ever holds more than one chunk in memory. Every chunk's nonce is a
random per-archive prefix, the chunk's counter and a last-chunk flag (the STREAM
construction): chunks cannot be reordered, dropped or cut off at the end without the
reader noticing. The header carries a check value of the key, so a wrong BACKUP_KEY is
told apart from a damaged archive.

File layout: MAGIC | nonce prefix (7) | key check (16) | { length (4) | sealed chunk }*
"""

import base64
import hashlib
import hmac
import io
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"SPABAK01"
CHUNK = 1024 * 1024
_PREFIX = 7
_CHECK = 16


class BackupKeyError(Exception):
    """BACKUP_KEY is missing, malformed, or not the key the archive was made with."""


class DamagedArchive(Exception):
    """The archive's bytes are not what was written (cut off, flipped, not a backup)."""


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def parse_key(key: str) -> bytes:
    if not key:
        raise BackupKeyError(
            "BACKUP_KEY is not set. Generate one with `python manage.py backup --new-key` "
            "and keep a copy away from the backups."
        )
    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise BackupKeyError("BACKUP_KEY is not a valid key (32 bytes, base64).") from exc
    if len(raw) != 32:
        raise BackupKeyError("BACKUP_KEY is not a valid key (32 bytes, base64).")
    return raw


def _key_check(raw: bytes) -> bytes:
    return hmac.new(raw, b"spa-backup-key-check", hashlib.sha256).digest()[:_CHECK]


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


class EncryptingWriter(io.RawIOBase):
    """A write-only file: what is written goes encrypted into `out` (close() seals it)."""

    def __init__(self, out, key: str):
        raw = parse_key(key)
        self._aead = AESGCM(raw)
        self._prefix = os.urandom(_PREFIX)
        self._out = out
        self._buf = bytearray()
        self._counter = 0
        self._aad = MAGIC + self._prefix
        out.write(MAGIC + self._prefix + _key_check(raw))

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buf += data
        while len(self._buf) > CHUNK:
            self._seal(bytes(self._buf[:CHUNK]), last=False)
            del self._buf[:CHUNK]
        return len(data)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), chunk, self._aad)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buf), last=True)
            self._buf.clear()
        super().close()


class DecryptingReader(io.RawIOBase):
    """A read-only file giving back the plain bytes of an archive written above."""

    def __init__(self, src, key: str):
        raw = parse_key(key)
        head = src.read(len(MAGIC) + _PREFIX + _CHECK)
        if len(head) < len(MAGIC) + _PREFIX + _CHECK or not head.startswith(MAGIC):
            raise DamagedArchive("not a backup archive (unknown header)")
        self._prefix = head[len(MAGIC) : len(MAGIC) + _PREFIX]
        if not hmac.compare_digest(head[len(MAGIC) + _PREFIX :], _key_check(raw)):
            raise BackupKeyError(
                "this backup was made with another BACKUP_KEY: it cannot be decrypted "
                "with the key configured here"
            )
        self._aead = AESGCM(raw)
        self._aad = MAGIC + self._prefix
        self._src = src
        self._counter = 0
        self._buf = b""
        self._pos = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        size_bytes = self._src.read(4)
        if len(size_bytes) < 4:
            raise DamagedArchive("the archive is cut off (its last part is missing)")
        (size,) = struct.unpack(">I", size_bytes)
        if size > CHUNK + 16:
            raise DamagedArchive(f"damaged at part {self._counter} (bad length)")
        sealed = self._src.read(size)
        for last in (False, True):
            try:
                plain = self._aead.decrypt(
                    _nonce(self._prefix, self._counter, last), sealed, self._aad
                )
            except InvalidTag:
                continue
            self._counter += 1
            self._buf, self._pos = plain, 0
            if last:
                self._done = True
                if self._src.read(1):
                    raise DamagedArchive("bytes after the end of the archive")
            return
        raise DamagedArchive(f"damaged at part {self._counter} (it fails its authentication)")

    def readinto(self, b) -> int:
        while self._pos >= len(self._buf) and not self._done:
            self._next_chunk()
        n = min(len(b), len(self._buf) - self._pos)
        b[:n] = self._buf[self._pos : self._pos + n]
        self._pos += n
        return n
