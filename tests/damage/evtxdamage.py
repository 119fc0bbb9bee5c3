"""Hand-made damage to EVTX files (issue 8), shared by the damage tests and
the fuzz seeds: set a field, flip a bit, cut a file, and recompute the
checksums that cover what was changed, so that only the damage meant is
there."""
import struct
import zlib

HEADER = 4096
CHUNK = 65536


def chunk_of(offset):
    """Index of the chunk holding file offset `offset` (None: the header)."""
    return None if offset < HEADER else (offset - HEADER) // CHUNK


def fix_crcs(buf, chunk=None):
    """Recompute the file header CRC, or chunk `chunk`'s header and
    event-records CRCs (records CRC over 512..free space offset)."""
    if chunk is None:
        struct.pack_into('<I', buf, 124, zlib.crc32(bytes(buf[:120])))
        return
    base = HEADER + chunk * CHUNK
    c = buf[base:base + CHUNK]
    free = struct.unpack_from('<I', c, 48)[0]
    if 512 <= free <= len(c):
        struct.pack_into('<I', buf, base + 52, zlib.crc32(bytes(c[512:free])))
    c = buf[base:base + 512]
    crc = zlib.crc32(bytes(c[128:512]), zlib.crc32(bytes(c[:120])))
    struct.pack_into('<I', buf, base + 124, crc)


def set_u32(data, offset, value, crcs=True):
    """A copy of `data` with the 32-bit field at `offset` set to `value` and,
    when `crcs`, the checksums over it recomputed."""
    buf = bytearray(data)
    struct.pack_into('<I', buf, offset, value)
    if crcs:
        fix_crcs(buf, chunk_of(offset))
    return bytes(buf)


def flip(data, offset, mask=1):
    """A copy of `data` with bits `mask` of byte `offset` flipped (checksums
    left as they are: the damage is to be found)."""
    buf = bytearray(data)
    buf[offset] ^= mask
    return bytes(buf)


def first_record_size_offset(data, chunk=0):
    """File offset of the size field of chunk `chunk`'s first record."""
    return HEADER + chunk * CHUNK + 512 + 4


def chunk_range(data, chunk):
    """(first, last) record id chunk `chunk` claims."""
    base = HEADER + chunk * CHUNK
    return struct.unpack_from('<QQ', data, base + 24)
