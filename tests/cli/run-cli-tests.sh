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
expect_error "QEMU option not supported" "-cdrom" -cdrom disk.iso
expect_error "-hda is IDE, refused" "-hda disk.img: IDE disks are not supported yet" \
    -hda disk.img
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
expect_error "-drive unknown format" "unknown format 'vmdk'" -drive file=x,if=virtio,format=vmdk
expect_error "-drive unknown property" "parameter 'bogus=1' is not supported" \
    -drive file=x,if=virtio,bogus=1
expect_error "-drive without if= (IDE)" "IDE disks" -drive file=x
expect_error "-drive bad cache mode" "unknown cache mode 'fast'" -drive file=x,if=virtio,cache=fast
expect_error "-drive without file=" "missing 'file='" -drive if=virtio

# expect_drive_error NAME FILE ARGS...: a disk image that cannot be used: exit 1 with
# one "pacifica: ..." line on stderr that names FILE.
expect_drive_error() {
    name=$1
    file=$2
    shift 2
    run -display none "$@"
    if [ "$status" -ne 1 ]; then
        not_ok "$name" "exit status $status, expected 1; stderr: $(excerpt "$work/err")"
    elif [ "$(wc -l <"$work/err")" -ne 1 ] || ! grep -q '^pacifica: ' "$work/err"; then
        not_ok "$name" "stderr is not one 'pacifica: ' line: $(excerpt "$work/err")"
    elif ! grep -qF -- "$file" "$work/err"; then
        not_ok "$name" "stderr does not name '$file': $(excerpt "$work/err")"
    else
        ok "$name"
    fi
}

expect_drive_error "-drive missing file" "$work/no-such-disk.img" \
    -drive "file=$work/no-such-disk.img,if=virtio"
# A qcow2 header whose cluster size is absurd.
printf 'QFI\373\0\0\0\3\0\0\0\0\0\0\0\0\0\0\0\0\377\377\377\377' >"$work/corrupt.qcow2"
dd if=/dev/zero bs=1024 count=64 >>"$work/corrupt.qcow2" 2>/dev/null
expect_drive_error "-drive corrupt qcow2 image" "$work/corrupt.qcow2" \
    -drive "file=$work/corrupt.qcow2,if=virtio"
dd if=/dev/zero of="$work/disk.raw" bs=1024 count=64 2>/dev/null
expect_drive_error "-drive format=qcow2 on a raw image" "$work/disk.raw" \
    -drive "file=$work/disk.raw,format=qcow2,if=virtio"

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
expect_log "-d out_asm disassembles host code" out_asm hello "OUT: [size="
expect_log "-d guest_errors logs unassigned ports" guest_errors ioport "I/O"

# A machine with virtio disks (raw, and a throw-away overlay under -snapshot) starts,
# runs a guest ROM to its end (isa-debug-exit, status 1) and tears the disks down.
expect_drive_machine() {
    name=$1
    shift
    run -bios build/tests/guest/hello.bin -nographic "$@"
    if [ "$status" -ne 1 ]; then
        not_ok "$name" "exit status $status, expected 1; stderr: $(excerpt "$work/err")"
    elif [ -s "$work/err" ]; then
        not_ok "$name" "printed to stderr: $(excerpt "$work/err")"
    else
        ok "$name"
    fi
}

expect_drive_machine "a raw virtio disk" -drive "file=$work/disk.raw,format=raw,if=virtio"
expect_drive_machine "two disks, read-only and -snapshot" \
    -drive "file=$work/disk.raw,if=virtio,readonly=on" \
    -drive "file=$work/disk.raw,if=virtio,cache=unsafe,serial=D2" -snapshot

# -device: QEMU's syntax; the board names unknown devices and properties.
expect_error "-device unknown device" "unknown device 'no-such-dev'" -device no-such-dev
expect_error "-device unknown property" "isa-debug-exit has no property 'bogus'" \
    -device isa-debug-exit,iobase=0xf4,bogus=1
expect_error "-device without a name" "missing the device name" -device iobase=0xf4
expect_error "-device property twice" "parameter 'iobase' given twice" \
    -device isa-debug-exit,iobase=1,iobase=2
expect_exit0 "-device help" 'name "isa-debug-exit"' -device help
expect_exit0 "-device NAME,help" "iosize=" -device isa-debug-exit,help
expect_drive_machine "-device isa-debug-exit at 0xf4 (QEMU's test setup)" \
    -device isa-debug-exit,iobase=0xf4,iosize=4
# With an isa-debug-exit elsewhere the built-in one at 0xf4 is gone: the ROM's exit
# write goes nowhere and the machine runs on until stopped.
if command -v timeout >/dev/null 2>&1; then
    timeout 3 "$bin" -bios build/tests/guest/hello.bin -nographic \
        -device isa-debug-exit,iobase=0x501,iosize=2 </dev/null >"$work/out" 2>"$work/err"
    status=$?
    if [ "$status" -eq 124 ]; then
        ok "-device isa-debug-exit,iobase=0x501 replaces the one at 0xf4"
    else
        not_ok "-device isa-debug-exit,iobase=0x501 replaces the one at 0xf4" \
            "exit status $status, expected a timeout"
    fi
fi

# QEMU's test devices: properties checked before the machine starts, values when the
# board creates them (exit 1, one line naming the bad value).
expect_exit0 "-device help lists the test devices" 'name "pci-testdev", bus PCI' -device help
expect_exit0 "-device pci-testdev,help" "addr=" -device pci-testdev,help
expect_error "-device pc-testdev has no properties" "pc-testdev has no property 'iobase'" \
    -device pc-testdev,iobase=1
expect_drive_error "-device pci-testdev,addr=zz" "'zz' is not a PCI address" \
    -device pci-testdev,addr=zz
expect_drive_error "-device pci-testdev on a taken slot" "PCI address 00.0 is already taken" \
    -device pci-testdev,addr=0
expect_drive_error "two pc-testdevs" "only one pc-testdev" -device pc-testdev -device pc-testdev
expect_drive_machine "-device pc-testdev and pci-testdev,addr=0x10" \
    -device pc-testdev -device pci-testdev,addr=0x10
# -netdev / -nic: QEMU's syntax; bad types, parameters, models and MACs are named.
expect_error "-netdev unknown backend" "unknown network backend 'bogus'" -netdev bogus,id=n0
expect_error "-netdev unknown parameter" "user: unknown parameter 'colour'" \
    -netdev user,id=n0,colour=red
expect_error "-netdev without id" "user: missing 'id='" -netdev user
expect_error "-nic unknown model" "unknown NIC model 'e1000'" -nic user,model=e1000
expect_error "-nic bad mac" "mac '52:54:00:zz:00:01'" -nic user,mac=52:54:00:zz:00:01
expect_drive_error "-device virtio-net-pci on a missing netdev" "netdev 'nope' not found" \
    -device virtio-net-pci,netdev=nope
expect_drive_error "-netdev socket connect refused" "connect=127.0.0.1:1" \
    -netdev socket,id=s0,connect=127.0.0.1:1 -device virtio-net-pci,netdev=s0
expect_drive_error "-netdev user bad hostfwd" "hostfwd=tcp:22" -nic user,hostfwd=tcp:22
# Machines with network cards start and end cleanly (the ROM ignores the cards).
expect_drive_machine "-nic user with hostfwd" -nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:0-:22
expect_drive_machine "-netdev socket,listen= and -device virtio-net-pci,mac=" \
    -netdev socket,id=s0,listen=127.0.0.1:0 -device virtio-net-pci,netdev=s0,mac=52:54:00:00:00:02 \
    -nic none

# -accel tcg,backend=: native code (default) or the IR interpreter.
expect_error "-accel unknown backend" "unknown backend 'jit'" -accel tcg,backend=jit
expect_drive_machine "-accel tcg,backend=interp runs a ROM" -accel tcg,backend=interp
expect_drive_machine "-accel tcg,backend=native runs a ROM" -accel tcg,backend=native

# -nographic: COM1 and the text monitor share stdio (mon:stdio); Ctrl-A c gives the
# monitor the keyboard and Ctrl-A x ends Pacifica with status 0, as in QEMU.
printf '\001cinfo status\r\001x' | {
    if command -v timeout >/dev/null 2>&1; then
        timeout 20 "$bin" -bios build/tests/guest/idle.bin -nographic
    else
        "$bin" -bios build/tests/guest/idle.bin -nographic
    fi
} >"$work/out" 2>"$work/err"
status=$?
if [ "$status" -ne 0 ]; then
    not_ok "-nographic Ctrl-A c / Ctrl-A x" "exit status $status, expected 0"
elif ! grep -q "VM status: running" "$work/out"; then
    not_ok "-nographic Ctrl-A c / Ctrl-A x" "no monitor reply: $(excerpt "$work/out")"
else
    ok "-nographic Ctrl-A c / Ctrl-A x"
fi
expect_error "-serial mon:stdio twice" "stdio is already used" \
    -serial mon:stdio -serial stdio

# -chardev and the virtio devices that use it.
expect_error "-chardev without id" "missing id=ID" -chardev null
expect_error "-chardev unknown backend" "unsupported backend 'pty'" -chardev pty,id=c0
expect_error "-chardev socket without address" "socket needs path=PATH" -chardev socket,id=c0
expect_error "-chardev duplicate id" "duplicate chardev id 'c0'" \
    -chardev null,id=c0 -chardev null,id=c0
expect_error "-chardev stdio with the serial port on stdio" "serial port uses stdio" \
    -nographic -chardev stdio,id=c0
expect_drive_error "-device virtio-rng-pci bad disable-legacy" "disable-legacy=maybe" \
    -device virtio-rng-pci,disable-legacy=maybe
expect_drive_error "-device virtconsole without virtio-serial-pci" "virtio-serial-pci" \
    -chardev null,id=c0 -device virtconsole,chardev=c0
expect_drive_error "-device virtconsole on an unknown chardev" "no -chardev with id 'c9'" \
    -device virtio-serial-pci -device virtconsole,chardev=c9
expect_drive_machine "virtio-rng, virtio-serial and a virtconsole on a file" \
    -chardev "file,id=c0,path=$work/hvc.out" -device virtio-serial-pci \
    -device virtconsole,chardev=c0 -device virtio-rng-pci -device virtio-rng-pci,disable-legacy=on

[ "$failures" -eq 0 ]
