#!/usr/bin/env python3
"""extract-vmlinux.py - the uncompressed ELF vmlinux inside a bzImage.

    python3 extract-vmlinux.py BZIMAGE OUTPUT

The bzImage's payload is the kernel's ELF image compressed with xz (Debian's
CONFIG_KERNEL_XZ=y). The first xz stream (magic FD 37 7A 58 5A 00) that
decompresses to an ELF file is written to OUTPUT, after checking that it has the
PVH entry note (an ELF note named "Xen" of type 18, XEN_ELFNOTE_PHYS32_ENTRY),
which Pacifica's -kernel needs to boot it directly (hw/pvh.c). Exits 1 with a
message otherwise.
"""

import lzma
import os
import struct
import sys

XZ_MAGIC = b"\xfd7zXZ\x00"
PT_NOTE = 4
XEN_ELFNOTE_PHYS32_ENTRY = 18


def decompress_payload(image):
    start = image.find(XZ_MAGIC)
    while start >= 0:
        try:
            data = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(image[start:])
        except lzma.LZMAError:
            data = b""
        if data.startswith(b"\x7fELF"):
            return data
        start = image.find(XZ_MAGIC, start + 1)
    return None


def notes(elf):
    """(name, type, desc) of every note in the PT_NOTE segments of an ELF64 file."""
    phoff, = struct.unpack_from("<Q", elf, 32)
    phentsize, phnum = struct.unpack_from("<HH", elf, 54)
    for i in range(phnum):
        p_type, _, offset, _, _, filesz = struct.unpack_from("<IIQQQQ", elf, phoff + i * phentsize)
        if p_type != PT_NOTE:
            continue
        pos, end = offset, offset + filesz
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", elf, pos)
            name = elf[pos + 12:pos + 12 + namesz].rstrip(b"\0")
            desc_at = pos + 12 + (namesz + 3) // 4 * 4
            yield name, ntype, elf[desc_at:desc_at + descsz]
            pos = desc_at + (descsz + 3) // 4 * 4


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: extract-vmlinux.py BZIMAGE OUTPUT")
    with open(sys.argv[1], "rb") as f:
        image = f.read()
    elf = decompress_payload(image)
    if elf is None:
        sys.exit(f"extract-vmlinux: {sys.argv[1]}: no xz-compressed ELF payload")
    if elf[4] != 2 or not any(name == b"Xen" and ntype == XEN_ELFNOTE_PHYS32_ENTRY
                              for name, ntype, _ in notes(elf)):
        sys.exit(f"extract-vmlinux: {sys.argv[1]}: the kernel has no PVH entry note "
                 "(CONFIG_PVH)")
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "wb") as f:
        f.write(elf)
    os.replace(tmp, sys.argv[2])


if __name__ == "__main__":
    main()
