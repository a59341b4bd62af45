#!/bin/sh
# run-qmp-tests.sh - the QMP end-to-end test: Pacifica runs tests/guest/idle.asm (a ROM
# that counts timer ticks forever) with -qmp and -monitor on Unix sockets; a Python
# client runs every QMP command, checks replies and events, throws malformed JSON,
# garbage and disconnects at it, checks the guest still runs, and quits.
#
#   sh tests/qmp/run-qmp-tests.sh
#
# Prints "ok - qmp/NAME" or "not ok - qmp/NAME (why)" per check; exits non-zero if any
# failed. Environment: PACIFICA (default build/pacifica), ROM_DIR (default
# build/tests/guest).

cd "$(dirname "$0")/../.." || exit 1
PACIFICA=${PACIFICA:-build/pacifica}
ROM_DIR=${ROM_DIR:-build/tests/guest}

if ! command -v python3 >/dev/null 2>&1; then
    echo "not ok - qmp/python3 (python3 is needed: apt-get install python3)"
    exit 1
fi
for f in "$PACIFICA" "$ROM_DIR/idle.bin"; do
    if [ ! -f "$f" ]; then
        echo "not ok - qmp/setup ($f is missing: run make tests)"
        exit 1
    fi
done
exec python3 tests/qmp/qmp_e2e.py "$PACIFICA" "$ROM_DIR/idle.bin"
