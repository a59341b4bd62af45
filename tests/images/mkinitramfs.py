#!/usr/bin/env python3
"""Writes the test initramfs: a gzip-compressed newc cpio archive holding busybox,
a chosen set of kernel modules with everything they depend on, and /init.

Used by build.sh; standard library only. The archive is written directly rather
than through cpio(1) so that it needs no root (every entry is owned by 0:0, and
/dev/console is a device entry in the archive, not a node on the host's disk)
and is reproducible (fixed timestamps, sorted entries, gzip without a name or
date in its header).

    mkinitramfs.py --modules-dir DIR --busybox FILE --init FILE --output FILE
                   [--module NAME]... [--optional-module NAME]...

DIR is lib/modules/<release> of the extracted kernel package. A --module that is
neither a file in DIR nor listed in DIR/modules.builtin is an error; an
--optional-module is included when this kernel has it.
"""

import argparse
import gzip
import io
import lzma
import os
import stat
import subprocess
import sys

# The applets /init and the test modes call by name; /init also runs
# "busybox --install -s" at start-up so an interactive shell has all the others.
APPLETS = [
    "sh", "ash", "awk", "cat", "cttyhack", "date", "dmesg", "echo", "grep",
    "gunzip", "gzip", "head", "insmod", "ls", "lsmod", "mkdir", "modprobe",
    "mount", "nproc", "poweroff", "printf", "reboot", "sed", "seq", "setsid",
    "sha256sum", "sleep", "tr", "umount", "uname", "wc",
    # pacifica.test=net / netlink
    "chmod", "cut", "ip", "nc", "udhcpc",
]

MODULE_SUFFIXES = (".ko", ".ko.xz", ".ko.zst", ".ko.gz")


def module_name(filename):
    """The kernel's name for a module file: no suffix, '-' read as '_'."""
    for suffix in MODULE_SUFFIXES:
        if filename.endswith(suffix):
            return filename[: -len(suffix)].replace("-", "_")
    return None


def read_module(path):
    """The ELF bytes of a module file, decompressed as the kernel package ships it."""
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xz"):
        return lzma.decompress(data)
    if path.endswith(".gz"):
        return gzip.decompress(data)
    if path.endswith(".zst"):
        # No zstd in Python's standard library: the zstd tool does it.
        return subprocess.run(["zstd", "-dc", path], check=True,
                              stdout=subprocess.PIPE).stdout
    return data


def module_depends(elf):
    """The "depends=" entry of a module's .modinfo section: NUL-separated
    key=value strings that modpost writes, so a byte search finds it."""
    at = elf.find(b"\0depends=")
    if at < 0:
        return []
    start = at + len(b"\0depends=")
    value = elf[start: elf.index(b"\0", start)].decode()
    return [name.replace("-", "_") for name in value.split(",") if name]


class ModuleSet:
    """The modules of one kernel release, found by name, loaded on demand."""

    def __init__(self, modules_dir):
        self.modules_dir = modules_dir
        self.paths = {}
        for root, _, files in os.walk(modules_dir):
            for filename in files:
                name = module_name(filename)
                if name:
                    self.paths[name] = os.path.join(root, filename)
        self.builtin = set()
        builtin_list = os.path.join(modules_dir, "modules.builtin")
        if os.path.exists(builtin_list):
            with open(builtin_list) as f:
                for line in f:
                    name = module_name(os.path.basename(line.strip()))
                    if name:
                        self.builtin.add(name)
        self.elf = {}

    def load(self, name):
        if name not in self.elf:
            self.elf[name] = read_module(self.paths[name])
        return self.elf[name]

    def in_load_order(self, wanted, optional):
        """The wanted modules and their dependencies, each after what it needs
        (a depth-first post-order walk). Built-in modules need no loading."""
        order = []
        visiting = set()

        def visit(name, required_by):
            if name in order or name in self.builtin:
                return
            if name not in self.paths:
                raise SystemExit("mkinitramfs: module %s (%s) is not in %s" %
                                 (name, required_by, self.modules_dir))
            if name in visiting:
                raise SystemExit("mkinitramfs: dependency cycle at " + name)
            visiting.add(name)
            for dep in module_depends(self.load(name)):
                visit(dep, "needed by " + name)
            visiting.discard(name)
            order.append(name)

        for name in wanted:
            visit(name.replace("-", "_"), "asked for")
        for name in optional:
            name = name.replace("-", "_")
            if name in self.paths:
                visit(name, "asked for")
        return order

    def install_path(self, name):
        """Where the module goes in the initramfs: its place under the release
        directory, always as a plain .ko since it is stored decompressed."""
        rel = os.path.relpath(self.paths[name], os.path.dirname(self.modules_dir))
        for suffix in MODULE_SUFFIXES[1:]:
            if rel.endswith(suffix):
                rel = rel[: -len(suffix)] + ".ko"
                break
        return "lib/modules/" + rel


class NewcWriter:
    """SVR4 "newc" cpio (magic 070701), the format the kernel unpacks
    (Documentation/driver-api/early-userspace/buffer-format.rst): a 110-byte
    ASCII-hex header, the NUL-terminated name and the data, each padded to a
    multiple of 4 bytes, and a final "TRAILER!!!" entry."""

    def __init__(self):
        self.out = io.BytesIO()
        self.next_ino = 1
        self.names = set()

    def _entry(self, name, mode, data=b"", rdev=(0, 0), nlink=1):
        if name in self.names:
            raise SystemExit("mkinitramfs: %s added twice" % name)
        self.names.add(name)
        encoded = name.encode() + b"\0"
        fields = [
            self.next_ino, mode, 0, 0, nlink, 0, len(data),
            0, 0, rdev[0], rdev[1], len(encoded), 0,
        ]
        self.next_ino += 1
        header = b"070701" + b"".join(b"%08X" % v for v in fields)
        self.out.write(header + encoded)
        self._pad()
        self.out.write(data)
        self._pad()

    def _pad(self):
        self.out.write(b"\0" * (-self.out.tell() % 4))

    def directory(self, name):
        self._entry(name, stat.S_IFDIR | 0o755, nlink=2)

    def file(self, name, data, perm=0o644):
        self._entry(name, stat.S_IFREG | perm, data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def char_device(self, name, major, minor, perm=0o600):
        self._entry(name, stat.S_IFCHR | perm, rdev=(major, minor))

    def finish(self):
        self._entry("TRAILER!!!", 0, nlink=1)
        return self.out.getvalue()


def parent_dirs(path):
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def build(args):
    modules = ModuleSet(args.modules_dir)
    release = os.path.basename(os.path.normpath(args.modules_dir))
    order = modules.in_load_order(args.module, args.optional_module)

    dirs = {"bin", "sbin", "dev", "etc", "proc", "sys", "tmp", "root", "run",
            "usr", "usr/bin", "usr/sbin", "lib", "lib/modules",
            "lib/modules/" + release}
    files = {}
    for name in order:
        path = modules.install_path(name)
        files[path] = (modules.load(name), 0o644)
        dirs.update(parent_dirs(path))
    # /init loads them in this order with insmod: the initramfs has no depmod
    # output, and this way needs none.
    load_list = "".join(modules.install_path(n)[len("lib/modules/" + release) + 1:] + "\n"
                        for n in order)
    files["lib/modules/%s/modules.load" % release] = (load_list.encode(), 0o644)
    with open(args.busybox, "rb") as f:
        files["bin/busybox"] = (f.read(), 0o755)
    with open(args.init, "rb") as f:
        files["init"] = (f.read(), 0o755)

    cpio = NewcWriter()
    for d in sorted(dirs):
        cpio.directory(d)
    # The kernel opens /dev/console for init's stdio before /init can mount
    # devtmpfs (init/main.c, console_on_rootfs); character device 5:1.
    cpio.char_device("dev/console", 5, 1)
    for applet in APPLETS:
        cpio.symlink("bin/" + applet, "busybox")
    for path in sorted(files):
        data, perm = files[path]
        cpio.file(path, data, perm)
    archive = cpio.finish()

    tmp = args.output + ".tmp"
    with open(tmp, "wb") as raw:
        # mtime=0 and no file name: the same inputs give the same bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                           compresslevel=9) as gz:
            gz.write(archive)
    os.replace(tmp, args.output)
    for name in order:
        print("module", name, file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modules-dir", required=True)
    parser.add_argument("--busybox", required=True)
    parser.add_argument("--init", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--module", action="append", default=[])
    parser.add_argument("--optional-module", action="append", default=[])
    build(parser.parse_args())


if __name__ == "__main__":
    main()
