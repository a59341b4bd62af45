#!/bin/sh
# run-guest-tests.sh - runs the guest test ROMs and compares their serial
# output and exit status with tests/guest/NAME.expect.
#
#   sh tests/guest/run-guest-tests.sh [--pending] [NAME...]
#
# NAME.expect: first line "exit: N" (the emulator's expected exit status),
# the rest is the exact expected serial output (CRs are ignored on both
# sides).  Every NAME.expect is a test unless NAMEs are given.
#
# NAME.expect.pending has the same format, for a test program that does not
# pass on Pacifica yet (it waits for CPU work in progress): it is skipped
# unless --pending is given (then every .expect.pending runs too) or NAME is
# named and has no NAME.expect.
#
# Environment:
#   PACIFICA          emulator to run (default build/pacifica); relative
#                     paths are taken from the repository root.  Use
#                     PACIFICA=tests/guest/qemu-wrapper.sh to check the
#                     suite against QEMU.
#   GUEST_EXTRA_ARGS  extra arguments for the emulator (split on spaces)
#   GUEST_TIMEOUT     seconds before a ROM is killed (default 30)
#   ROM_DIR           where the built ROMs are (default build/tests/guest)
#
# Output is TAP-like: "ok - guest/NAME" or "not ok - guest/NAME (why)",
# followed on failure by "# " lines showing the difference.  The exit
# status is 0 when every test passed, 1 otherwise.

cd "$(dirname "$0")/../.." || exit 1

PACIFICA=${PACIFICA:-build/pacifica}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-30}
ROM_DIR=${ROM_DIR:-build/tests/guest}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/guest-tests.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# first_difference GOT WANT: prints "line N: got 'X' want 'Y'" for the first
# line where the two files differ.
first_difference() {
    awk -v got="$1" -v want="$2" 'BEGIN {
        n = 0
        while (1) {
            g = (getline gl < got) > 0
            w = (getline wl < want) > 0
            n++
            if (!g && !w) exit
            if (!g) gl = "<end of output>"
            if (!w) wl = "<end of expected output>"
            if (!g || !w || gl != wl) {
                printf "line %d: got \047%s\047 want \047%s\047\n", n, gl, wl
                exit
            }
        }
    }'
}

# comment_lines FILE: prints at most 40 lines of FILE as TAP comments.
comment_lines() {
    head -n 40 "$1" | sed 's/^/# /'
}

# run_one NAME: runs one ROM, prints its verdict, returns 0 when it passed.
run_one() {
    name=$1
    expect=tests/guest/$name.expect
    rom=$ROM_DIR/$name.bin
    if [ ! -f "$expect" ] && [ -f "$expect.pending" ]; then
        expect=$expect.pending
    fi
    if [ ! -f "$expect" ]; then
        echo "not ok - guest/$name (no $expect)"
        return 1
    fi
    if [ ! -f "$rom" ]; then
        echo "not ok - guest/$name (ROM $rom not built)"
        return 1
    fi
    want_status=$(sed -n '1s/^exit: *\([0-9][0-9]*\)[[:space:]]*$/\1/p' "$expect")
    if [ -z "$want_status" ]; then
        echo "not ok - guest/$name (first line of $expect is not \"exit: N\")"
        return 1
    fi
    sed '1d' "$expect" | tr -d '\r' >"$tmp/want"

    # mb-NAME are Multiboot kernels booted with -kernel; NAME.args (optional) holds
    # more arguments for the emulator (one line, split on spaces).
    case $name in
    mb-*) boot=-kernel ;;
    *) boot=-bios ;;
    esac
    args=
    [ -f "tests/guest/$name.args" ] && args=$(cat "tests/guest/$name.args")
    # NAME.qemu-args: arguments only the QEMU cross-check needs (tests/guest/qemu-wrapper.sh
    # reads QEMU_EXTRA_ARGS; Pacifica ignores it), for places where QEMU departs from the
    # SDM and the ROM follows the SDM.
    QEMU_EXTRA_ARGS=
    [ -f "tests/guest/$name.qemu-args" ] && QEMU_EXTRA_ARGS=$(cat "tests/guest/$name.qemu-args")
    export QEMU_EXTRA_ARGS
    # shellcheck disable=SC2086 # GUEST_EXTRA_ARGS and args are split on purpose
    timeout "$GUEST_TIMEOUT" "$PACIFICA" "$boot" "$rom" -nographic $args $GUEST_EXTRA_ARGS \
        </dev/null >"$tmp/raw" 2>"$tmp/stderr"
    status=$?
    tr -d '\r' <"$tmp/raw" >"$tmp/got"

    why=
    if [ "$status" -eq 124 ]; then
        why="timed out after ${GUEST_TIMEOUT}s"
    elif [ "$status" -ne "$want_status" ]; then
        why="exit $status want $want_status"
    fi
    if ! cmp -s "$tmp/got" "$tmp/want"; then
        diff_line=$(first_difference "$tmp/got" "$tmp/want")
        why="${why:+$why / }output differs: $diff_line"
    fi
    if [ -z "$why" ]; then
        echo "ok - guest/$name"
        return 0
    fi
    echo "not ok - guest/$name ($why)"
    echo "# --- output:"
    comment_lines "$tmp/got"
    if [ -s "$tmp/stderr" ]; then
        echo "# --- stderr:"
        comment_lines "$tmp/stderr"
    fi
    return 1
}

pending=0
if [ "${1:-}" = --pending ]; then
    pending=1
    shift
fi

if [ $# -gt 0 ]; then
    names=$*
else
    names=
    for f in tests/guest/*.expect; do
        [ -f "$f" ] || continue
        n=${f##*/}
        names="$names ${n%.expect}"
    done
    if [ "$pending" -eq 1 ]; then
        for f in tests/guest/*.expect.pending; do
            [ -f "$f" ] || continue
            n=${f##*/}
            names="$names ${n%.expect.pending}"
        done
    fi
fi

passed=0
failed=0
for name in $names; do
    if run_one "$name"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "# guest tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
