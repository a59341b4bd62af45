#!/bin/sh
# PVH direct boot (-kernel given an ELF file with a PVH entry note, hw/pvh.c): a tiny
# ELF64 kernel (tests/cli/pvh-kernel.asm, assembled here with nasm) checks the entry
# state and the hvm_start_info and reports over COM1, on both TCG backends; then
# broken ELF files (truncated, a segment outside the guest RAM, no entry note) must
# be refused with one "pacifica: -kernel FILE: ..." line and a plain failure status.
# Prints "ok - NAME" or "not ok - NAME (reason)" per case; exits 1 if any failed.
# PACIFICA=path overrides the binary (default build/pacifica).

cd "$(dirname "$0")/../.." || exit 1
bin=${PACIFICA:-build/pacifica}
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
failures=0

ok() {
    echo "ok - pvh/$1"
}

not_ok() {
    echo "not ok - pvh/$1 ($2)"
    failures=$((failures + 1))
}

excerpt() {
    head -c 200 "$1" | tr '\n' ' '
}

# assemble NAME NASM-DEFINES...: builds $work/NAME.elf.
assemble() {
    name=$1
    shift
    nasm -f bin "$@" -o "$work/$name.elf" tests/cli/pvh-kernel.asm || exit 1
}

run() {
    timeout 30 "$bin" -nographic -m 32 "$@" </dev/null >"$work/out" 2>"$work/err"
    status=$?
}

# expect_boot NAME ARGS...: the kernel prints the command line, the module and "pvh: ok"
# and exits through isa-debug-exit with 0 (status 1).
expect_boot() {
    name=$1
    shift
    run -kernel "$work/good.elf" -initrd "$work/module" -append "hello-pvh" "$@"
    printf 'hello-pvh\nmodule-bytes\npvh: ok\n' >"$work/want"
    if [ "$status" -ne 1 ]; then
        not_ok "$name" "exit status $status, expected 1; output: $(excerpt "$work/out") $(excerpt "$work/err")"
    elif ! tr -d '\r' <"$work/out" | cmp -s - "$work/want"; then
        not_ok "$name" "output: $(excerpt "$work/out")"
    else
        ok "$name"
    fi
}

# expect_refused NAME NEEDLE FILE: one stderr line naming FILE and containing NEEDLE,
# a failure status that is not a crash, and the guest never ran.
expect_refused() {
    run -kernel "$3"
    if [ "$status" -eq 0 ] || [ "$status" -ge 124 ]; then
        not_ok "$1" "exit status $status; stderr: $(excerpt "$work/err")"
    elif [ "$(wc -l <"$work/err")" -ne 1 ] || ! grep -qF -- "pacifica: -kernel $3: " "$work/err"; then
        not_ok "$1" "stderr is not one line naming $3: $(excerpt "$work/err")"
    elif ! grep -qF -- "$2" "$work/err"; then
        not_ok "$1" "stderr does not say '$2': $(excerpt "$work/err")"
    elif [ -s "$work/out" ]; then
        not_ok "$1" "the guest ran: $(excerpt "$work/out")"
    else
        ok "$1"
    fi
}

printf 'module-bytes\n' >"$work/module"
assemble good
assemble high -DBASE=0x4000000
assemble no-note -DNOTE_TYPE=17

expect_boot boot
expect_boot boot-interpreter -accel tcg,backend=interp

head -c 100 "$work/good.elf" >"$work/short-headers.elf"
expect_refused truncated-headers "truncated" "$work/short-headers.elf"
head -c 300 "$work/good.elf" >"$work/short-segment.elf"
expect_refused truncated-segment "truncated" "$work/short-segment.elf"
expect_refused segment-outside-ram "outside the guest RAM" "$work/high.elf"
expect_refused no-entry-note "PVH entry note" "$work/no-note.elf"

[ "$failures" -eq 0 ]
