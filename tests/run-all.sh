#!/bin/sh
# Runs every test (make check calls it after building everything) and ends with
# one line "N passed, N failed"; exits 0 only if nothing failed and something ran.
#
#   unit tests   build/tests/unit/test-*, GTest binaries run with --tap
#   CLI tests    tests/cli/run-cli-tests.sh, tests/cli/pvh-boot.sh (-kernel of an ELF with a
#                PVH entry)
#   gdb stub     tests/gdb/run-gdb-tests.sh (Debian's gdb and a raw protocol client),
#                tests/gdb/linux-gdb.sh (gdb on Debian's kernel, if make images made it)
#   guest tests  tests/guest/run-guest-tests.sh
#   guest fuzz   tests/cli/run-guest-fuzz.sh (random ROMs must not crash Pacifica)
#   Linux        tests/e2e/linux-boot.sh (one -smp 2 boot), tests/e2e/linux-shell.sh
#   virtio-blk   tests/e2e/vblk-guest.sh (a small guest writes disks, SIGKILL on qcow2)
#
# Each suite prints TAP-style "ok ..." / "not ok ..." lines; every such line counts
# as one test. A suite that exits non-zero without a "not ok" line (a crash, an
# abort, a timeout) counts as one more failure. TEST_TIMEOUT (seconds, default 600)
# bounds each suite so that a hung test cannot stall CI.

cd "$(dirname "$0")/.." || exit 1

timeout_secs=${TEST_TIMEOUT:-600}
passed=0
failed=0
skipped=0
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
: >"$work/failures"

# run_suite NAME COMMAND...: runs one suite, echoes its results, adds to the totals.
run_suite() {
    name=$1
    shift
    echo "== $name"
    if command -v timeout >/dev/null 2>&1; then
        timeout "$timeout_secs" "$@" </dev/null >"$work/out" 2>"$work/err"
    else
        "$@" </dev/null >"$work/out" 2>"$work/err"
    fi
    status=$?

    # Passing lines are echoed as they are; failing ones are marked, followed by the
    # "# ..." diagnostics after them, and kept for the summary at the end.
    # "not ok ... # TODO" is an expected failure (TAP).
    awk -v name="$name" -v failures="$work/failures" -v counts="$work/counts" '
        /^ok( |$)/ {
            if ($0 ~ /# [Ss][Kk][Ii][Pp]/) s++; else p++
            print; after_failure = 0; next
        }
        /^not ok( |$)/ {
            if ($0 ~ /# TODO/) { s++; print; after_failure = 0; next }
            f++
            print "FAIL " $0
            print name ": " $0 >> failures
            after_failure = 1; next
        }
        /^Bail out!/ { print "FAIL " $0; next }
        /^#/ { if (after_failure) print }
        END { print p + 0, f + 0, s + 0 > counts }
    ' "$work/out"
    read -r p f s <"$work/counts"

    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        case $status in
        124) why="timed out after ${timeout_secs}s" ;;
        12[6-7]) why="could not be run (exit status $status)" ;;
        129 | 1[3-9][0-9]) why="crashed (exit status $status, signal $((status - 128)))" ;;
        *) why="exit status $status" ;;
        esac
        f=1
        echo "FAIL not ok - $name ($why)"
        echo "$name: not ok - $why" >>"$work/failures"
    fi
    if { [ "$status" -ne 0 ] || [ "$f" -ne 0 ]; } && [ -s "$work/err" ]; then
        echo "---- stderr of $name (last 30 lines):"
        tail -n 30 "$work/err" | sed 's/^/    /'
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
}

for test in build/tests/unit/test-*; do
    # The build also leaves dependency files (test-*.d) here.
    if [ ! -f "$test" ] || [ ! -x "$test" ]; then
        continue
    fi
    run_suite "$test" "$test" --tap
done

# The unit tests of instruction semantics and the differential tests run on the IR
# interpreter by default (accel/tcg-run.h); once more on the native backend.
for test in build/tests/unit/test-runner build/tests/unit/test-int build/tests/unit/test-int-legacy \
    build/tests/unit/test-sse build/tests/unit/test-sse-exc build/tests/unit/test-sse-xsave \
    build/tests/unit/test-fpu build/tests/unit/test-seg build/tests/unit/test-sys \
    build/tests/unit/test-mmu build/tests/unit/test-dbg; do
    if [ -x "$test" ]; then
        run_suite "$test (native backend)" env PACIFICA_TCG_BACKEND=native "$test" --tap
    fi
done
run_suite tests/cpu-diff/run sh tests/cpu-diff/run --check
run_suite "tests/cpu-diff/run (native backend)" env PACIFICA_TCG_BACKEND=native \
    sh tests/cpu-diff/run --check
run_suite tests/cli/run-cli-tests.sh sh tests/cli/run-cli-tests.sh
run_suite tests/cli/pvh-boot.sh sh tests/cli/pvh-boot.sh
run_suite tests/qmp/run-qmp-tests.sh sh tests/qmp/run-qmp-tests.sh
run_suite tests/gdb/run-gdb-tests.sh sh tests/gdb/run-gdb-tests.sh

run_suite tests/guest/run-guest-tests.sh sh tests/guest/run-guest-tests.sh
# The emulator runs native code by default; the guest programs also on the interpreter.
run_suite "tests/guest/run-guest-tests.sh (interpreter)" \
    env GUEST_EXTRA_ARGS="-accel tcg,backend=interp" sh tests/guest/run-guest-tests.sh
run_suite tests/cli/run-guest-fuzz.sh sh tests/cli/run-guest-fuzz.sh 6 1
run_suite tests/e2e/vblk-guest.sh sh tests/e2e/vblk-guest.sh

# Debian's kernel (tests/images/build.sh fetches and builds the images, or takes them
# from its cache): one boot with 2 vCPUs and a small workload, and the busybox shell
# that "make run" gives. make check-linux runs the rest.
run_suite tests/e2e/linux-boot.sh sh tests/e2e/linux-boot.sh --smp 2 \
    --append "pacifica.worksize=1000 quiet" --timeout 240
run_suite tests/e2e/linux-shell.sh sh tests/e2e/linux-shell.sh --timeout 240
# gdb on Debian's kernel (after the boots above built the images).
run_suite tests/gdb/linux-gdb.sh sh tests/gdb/linux-gdb.sh --if-cached

# Debian's kernel on the user-mode network: DHCP, HTTP from the host, hostfwd (one
# boot, well under a minute on the native backend; the socket link between two VMs
# runs in make check-linux).
run_suite "tests/e2e/net.sh (user)" env PACIFICA_NET_TESTS=user sh tests/e2e/net.sh

echo
if [ -s "$work/failures" ]; then
    echo "FAILURES:"
    sed 's/^/  /' "$work/failures"
fi
if [ "$skipped" -ne 0 ]; then
    echo "($skipped skipped)"
fi
if [ $((passed + failed)) -eq 0 ]; then
    echo "run-all: no test ran" >&2
    echo "0 passed, 0 failed"
    exit 1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
