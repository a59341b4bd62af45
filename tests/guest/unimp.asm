; unimp.asm - an instruction the decoder knows but Pacifica does not implement must give
; the guest #UD (and be listed under -d unimp), never stop the emulator. MONITOR
; (0F 01 C8) is the probe: CPUID does not advertise it, so #UD is also what hardware
; without MONITOR/MWAIT does (SDM Vol 2B MONITOR: #UD if CPUID.01H:ECX.MONITOR = 0).
%include "lib.inc"

UNIMP_COUNT equ TEST_DATA

start:
    TEST_INIT
    mov word [UNIMP_COUNT], 0
    SET_VECTOR 6, unimp_ud_handler
    xor ax, ax
    monitor
    cmp word [UNIMP_COUNT], 1
    jne .executed
    PRINTLN "monitor: #UD"
    EXIT 0
.executed:
    PRINTLN "monitor: executed"
    EXIT 0

; Counts the #UD and resumes after the 3-byte instruction (real mode pushes the IP of
; the faulting instruction: SDM 3A §6.5).
unimp_ud_handler:
    push bp
    mov bp, sp
    add word [bp + 2], 3
    add word [ss:UNIMP_COUNT], 1
    pop bp
    iret

    ROM_END
