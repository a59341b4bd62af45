#!/bin/sh
# Command-line tests of the built emulator: a bad command line must exit 2 with one
# line on stderr that names the bad value; --help and --version must exit 0.
# Prints "ok - NAME" or "not ok - NAME (reason)" per case; exits 1 if any failed.
# PACIFICA=path overrides the binary (default build/pacifica).

cd "$(dirname "$0")/../.." || exit 1
bin=${PACIFICA:-build/pacifica}
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
failures=0

ok() {
    echo "ok - $1"
}

not_ok() {
    echo "not ok - $1 ($2)"
    failures=$((failures + 1))
}

# run ARGS...: runs the emulator with no input; a command line that is wrongly
# accepted would start a machine, so it is stopped after 10 seconds.
run() {
    if command -v timeout >/dev/null 2>&1; then
        timeout 10 "$bin" "$@" </dev/null >"$work/out" 2>"$work/err"
    else
        "$bin" "$@" </dev/null >"$work/out" 2>"$work/err"
    fi
    status=$?
}

# Shows the start of a captured output in a reason, on one line.
excerpt() {
    head -c 160 "$1" | tr '\n' ' '
}

# expect_error NAME NEEDLE ARGS...: exit 2, nothing on stdout, and stderr exactly one
# "pacifica: ..." line that contains NEEDLE.
expect_error() {
    name=$1
    needle=$2
    shift 2
    run "$@"
    lines=$(wc -l <"$work/err")
    if [ "$status" -ne 2 ]; then
        not_ok "$name" "exit status $status, expected 2; stderr: $(excerpt "$work/err")"
    elif [ "$lines" -ne 1 ] || [ "$(wc -c <"$work/err")" -le 1 ]; then
        not_ok "$name" "stderr has $lines lines, expected one: $(excerpt "$work/err")"
    elif ! grep -q '^pacifica: ' "$work/err"; then
        not_ok "$name" "stderr does not start with 'pacifica: ': $(excerpt "$work/err")"
    elif ! grep -qF -- "$needle" "$work/err"; then
        not_ok "$name" "stderr does not name '$needle': $(excerpt "$work/err")"
    elif [ -s "$work/out" ]; then
        not_ok "$name" "printed to stdout: $(excerpt "$work/out")"
    else
        ok "$name"
    fi
}

# expect_exit0 NAME NEEDLE ARGS...: exit 0 with NEEDLE on stdout and nothing on stderr.
expect_exit0() {
    name=$1
    needle=$2
    shift 2
    run "$@"
    if [ "$status" -ne 0 ]; then
        not_ok "$name" "exit status $status, expected 0; stderr: $(excerpt "$work/err")"
    elif ! grep -qF -- "$needle" "$work/out"; then
        not_ok "$name" "stdout does not contain '$needle': $(excerpt "$work/out")"
    elif [ -s "$work/err" ]; then
        not_ok "$name" "printed to stderr: $(excerpt "$work/err")"
    else
        ok "$name"
    fi
}

if [ ! -x "$bin" ]; then
    not_ok "cli: $bin exists" "not built"
    exit 1
fi

expect_error "unknown option" "-no-such-option" -no-such-option
expect_error "unknown option, two dashes" "--no-such-option" --no-such-option
expect_error "QEMU option not supported" "-hda" -hda disk.img
expect_error "missing argument" "-m: missing argument" -m
expect_error "bare disk image argument" "disk.img" disk.img
expect_error "-m 0" "-m 0" -m 0
expect_error "-m 1Q" "-m 1Q" -m 1Q
expect_error "-m 2T" "-m 2T" -m 2T
expect_error "-smp 0" "-smp 0" -smp 0
expect_error "-smp 256" "-smp 256" -smp 256
expect_error "-bios missing file" "no-such-rom.bin: No such file or directory" \
    -bios no-such-rom.bin
expect_error "-kernel missing file" "no-such-vmlinuz" -kernel no-such-vmlinuz
expect_error "-serial bogus" "-serial bogus" -serial bogus
expect_error "-debugcon bogus" "-debugcon bogus" -debugcon bogus
expect_error "-d bogus" "bogus" -d bogus
expect_error "-display bogus" "-display bogus" -display bogus
expect_error "-accel kvm" "kvm" -accel kvm
expect_error "-enable-kvm" "-enable-kvm" -enable-kvm
expect_error "-machine q35" "q35" -machine q35
expect_error "-cpu bogus" "-cpu bogus" -cpu bogus
expect_error "-initrd without -kernel" "-initrd" -initrd /dev/null
expect_exit0 "--help" "Usage: pacifica" --help
expect_exit0 "-help" "-serial" -help
expect_exit0 "--version" "Pacifica emulator version" --version
expect_exit0 "-d help" "in_asm" -d help

# expect_log NAME ITEMS ROM NEEDLE: running guest ROM with -d ITEMS -D FILE writes a log
# containing NEEDLE, and the ROM still ends through isa-debug-exit (status 1).
expect_log() {
    name=$1
    items=$2
    rom=build/tests/guest/$3.bin
    needle=$4
    run -bios "$rom" -nographic -d "$items" -D "$work/log"
    if [ "$status" -ne 1 ]; then
        not_ok "$name" "exit status $status, expected 1; stderr: $(excerpt "$work/err")"
    elif ! grep -qF -- "$needle" "$work/log"; then
        not_ok "$name" "log does not contain '$needle': $(excerpt "$work/log")"
    else
        ok "$name"
    fi
}

expect_log "-d unimp lists an unimplemented instruction" unimp unimp \
    "unimplemented instruction MONITOR"
expect_log "-d in_asm disassembles guest code" in_asm hello "ljmp 0xf000:0"
expect_log "-d int logs exceptions" int ud "exception 6"
expect_log "-d op dumps the IR" op hello "insn_start"
expect_log "-d exec logs blocks" exec hello "exec block"
expect_log "-d cpu dumps registers" cpu hello "EIP="
expect_log "-d guest_errors logs unassigned ports" guest_errors ioport "I/O"

[ "$failures" -eq 0 ]
