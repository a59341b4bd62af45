#!/bin/sh
# The guest is hostile: ROMs full of random bytes (seeded, reproducible) must never
# crash or wedge Pacifica. Each run may end by the guest's own doing (debug-exit,
# triple fault under -no-reboot) or by our timeout; a signal death is a failure.
# Usage: tests/cli/run-guest-fuzz.sh [COUNT] [FIRST_SEED]
PACIFICA=${PACIFICA:-build/pacifica}
COUNT=${1:-12}
SEED=${2:-1}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
i=0
while [ "$i" -lt "$COUNT" ]; do
    seed=$((SEED + i))
    rom="$dir/fuzz-$seed.bin"
    # 64 KiB of seeded random bytes; the reset vector jumps into them at F000:0000.
    python3 - "$rom" "$seed" <<'PY'
import random, sys
rnd = random.Random(int(sys.argv[2]))
rom = bytearray(rnd.getrandbits(8) for _ in range(65536))
rom[0xfff0:0xfff5] = bytes([0xea, 0x00, 0x00, 0x00, 0xf0])  # jmp f000:0000
open(sys.argv[1], "wb").write(rom)
PY
    timeout -s KILL 10 timeout 1 "$PACIFICA" -bios "$rom" -nographic -no-reboot \
        </dev/null >/dev/null 2>"$dir/err"
    status=$?
    # 124: our limit (SIGTERM honoured); an odd status below 128 or 0: the guest ended
    # the run itself (isa-debug-exit, -no-reboot). Anything else (a signal, or SIGKILL
    # because SIGTERM was not honoured) is a failure.
    if [ "$status" -eq 124 ] || [ "$status" -eq 0 ] ||
        { [ "$status" -lt 128 ] && [ $((status % 2)) -eq 1 ]; }; then
        echo "ok - guest-fuzz seed $seed (status $status)"
    else
        echo "not ok - guest-fuzz seed $seed (status $status: $(head -c 200 "$dir/err"))"
        fails=$((fails + 1))
    fi
    i=$((i + 1))
done
[ "$fails" -eq 0 ]
