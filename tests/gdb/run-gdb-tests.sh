#!/bin/sh
# run-gdb-tests.sh - the gdb stub end-to-end tests: Debian's gdb in batch mode, and a
# raw remote-protocol client, against tests/guest/gdb-target.asm (a Multiboot kernel
# with a known loop and variables) started with -S -gdb unix:...; then junk and abrupt
# disconnects thrown at the stub while the guest runs (gdb_e2e.py).
#
#   sh tests/gdb/run-gdb-tests.sh
#
# Prints "ok - gdb/NAME" or "not ok - gdb/NAME (why)" per check; exits non-zero if any
# failed. Environment: PACIFICA (default build/pacifica), ROM_DIR (default
# build/tests/guest).

cd "$(dirname "$0")/../.." || exit 1
PACIFICA=${PACIFICA:-build/pacifica}
ROM_DIR=${ROM_DIR:-build/tests/guest}

for tool in python3 gdb; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "not ok - gdb/$tool ($tool is needed: scripts/install-deps.sh installs it)"
        exit 1
    fi
done
for f in "$PACIFICA" "$ROM_DIR/gdb-target.bin"; do
    if [ ! -f "$f" ]; then
        echo "not ok - gdb/setup ($f is missing: run make tests)"
        exit 1
    fi
done
exec python3 tests/gdb/gdb_e2e.py "$PACIFICA" "$ROM_DIR/gdb-target.bin"
