#!/usr/bin/env python3
"""Prints a System.map (ADDRESS TYPE NAME per line) recovered from a kernel image's
kallsyms tables, for kernels whose package ships a placeholder System.map (Debian's
real one is in the linux-image-*-dbg package, close to 1 GB).

    python3 tests/images/kallsyms.py vmlinuz > System.map

Handles a bzImage (the gzip- or xz-compressed vmlinux inside is unpacked) or a
vmlinux, built with CONFIG_KALLSYMS and CONFIG_KALLSYMS_BASE_RELATIVE (x86-64
defaults), in the table layout of Linux 4.6 to 6.1 (scripts/kallsyms.c):

    kallsyms_offsets[n] (s32), kallsyms_relative_base (u64), kallsyms_num_syms,
    kallsyms_names, kallsyms_markers[(n + 255) / 256] (u32),
    kallsyms_token_table (256 NUL-terminated strings), kallsyms_token_index[256] (u16)

A symbol's name is a length byte (two bytes when the first has bit 7 set) and that
many token indexes; its first character is the nm-style type. With
CONFIG_KALLSYMS_ABSOLUTE_PERCPU a non-negative offset is an absolute (per-CPU)
address and a negative one is relative_base - 1 - offset.
"""
import gzip
import lzma
import struct
import sys
import zlib


def unpack_kernel(data):
    if data[:4] == b"\x7fELF":
        return data
    xz = data.find(b"\xfd7zXZ\x00")
    if xz >= 0:
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[xz:])
    gz = data.find(b"\x1f\x8b\x08\x00")
    if gz >= 0:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[gz:])
    raise SystemExit("kallsyms.py: no xz or gzip payload in the image")


def align(x, a):
    return (x + a - 1) & ~(a - 1)


def u32(k, p):
    return struct.unpack_from("<I", k, p)[0]


def find_token_table(k):
    """Single-character tokens stand for themselves, so '0'..'9' are consecutive;
    kallsyms_token_index (u16 offsets of the 256 tokens) follows the table."""
    digits = b"".join(bytes([c]) + b"\0" for c in b"0123456789")
    at = 0
    while (at := k.find(digits, at + 1)) >= 0:
        start, nuls = at, 0
        while nuls < ord("0") and start > 1:  # back over tokens 0x2f .. 0x00
            start -= 1
            nuls += k[start - 1] == 0
        tokens, p = [], start
        for _ in range(256):
            end = k.index(b"\0", p)
            tokens.append(k[p:end])
            p = end + 1
        expect, off = [], 0
        for t in tokens:
            expect.append(off)
            off += len(t) + 1
        if max(len(t) for t in tokens) < 2:
            continue  # a table of single characters, not kallsyms'
        for cand in (p, align(p, 2), align(p, 4), align(p, 8)):
            if list(struct.unpack_from("<256H", k, cand)) == expect:
                return start, tokens, cand + 512
    raise SystemExit("kallsyms.py: no kallsyms token table found")


def find_markers(k, table_start):
    """kallsyms_markers: u32 offsets of every 256th name, from 0, a few KiB apart;
    the last such run before the token table (kallsyms_seqs_of_names may sit
    between them)."""
    best = None
    for p in range(max(0, table_start - (32 << 20)) & ~3, table_start - 32, 4):
        if k[p:p + 4] != b"\0\0\0\0":
            continue
        v = struct.unpack_from("<8I", k, p)
        if all(64 < v[i + 1] - v[i] < 65536 for i in range(7)):
            best = p
    if best is None:
        raise SystemExit("kallsyms.py: kallsyms_markers not found")
    markers = [0]
    while u32(k, best + 4 * len(markers)) > markers[-1]:
        markers.append(u32(k, best + 4 * len(markers)))
    return best, markers


def name_end(k, p):
    """Offset past one compressed name at p."""
    n = k[p]
    if n & 0x80:
        return p + 2 + ((n & 0x7F) | (k[p + 1] << 7))
    return p + 1 + n


def find_names(k, markers_at, markers):
    """kallsyms_num_syms (8-aligned) is followed by kallsyms_names; the 256th name
    from there starts at markers[1]."""
    n_markers = len(markers)
    p = markers_at & ~7
    low = max(0, markers_at - (64 << 20))
    while p > low:
        p -= 8
        num = u32(k, p)
        if num == 0 or (num + 255) >> 8 != n_markers:
            continue
        names = p + 8
        q = names
        for _ in range(256 if n_markers > 1 else num):
            q = name_end(k, q)
        if n_markers > 1 and q - names != markers[1]:
            continue
        return p, num, names
    raise SystemExit("kallsyms.py: kallsyms_num_syms not found")


def kernel_address(v):
    return v >> 31 == 0x1FFFFFFFF  # 0xffffffff8xxxxxxx


def find_offsets(k, num_at, num, index_end):
    """kallsyms_offsets and kallsyms_relative_base: before kallsyms_num_syms (Linux
    4.6 to 6.1), or after kallsyms_token_index (later kernels)."""
    base = struct.unpack_from("<Q", k, num_at - 8)[0]
    if kernel_address(base):
        return num_at - 8 - align(4 * num, 8), base
    offsets_at = align(index_end, 8)
    base = struct.unpack_from("<Q", k, align(offsets_at + 4 * num, 8))[0]
    if kernel_address(base):
        return offsets_at, base
    raise SystemExit("kallsyms.py: kallsyms_relative_base not found")


def main():
    k = unpack_kernel(open(sys.argv[1], "rb").read())
    table_at, tokens, index_end = find_token_table(k)
    markers_at, markers = find_markers(k, table_at)
    num_at, num, names = find_names(k, markers_at, markers)
    offsets_at, base = find_offsets(k, num_at, num, index_end)
    offsets = struct.unpack_from(f"<{num}i", k, offsets_at)
    out, p = [], names
    for i in range(num):
        n = k[p]
        if n & 0x80:
            n, p = (n & 0x7F) | (k[p + 1] << 7), p + 2
        else:
            p += 1
        text = b"".join(tokens[t] for t in k[p:p + n]).decode("latin1")
        p += n
        off = offsets[i]
        addr = off if off >= 0 else (base - 1 - off) & 0xFFFFFFFFFFFFFFFF
        out.append(f"{addr:016x} {text[0]} {text[1:]}")
    sys.stdout.write("\n".join(out) + "\n")


main()
