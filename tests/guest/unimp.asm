; unimp.asm - an instruction the decoder knows but Pacifica does not implement yet
; must give the guest #UD (and be listed under -d unimp), never stop the emulator.
; CPUID (0F A2) is the probe until the CPU issue implements it; then this ROM moves
; to another not-yet-implemented instruction.
%include "lib.inc"

UNIMP_COUNT equ TEST_DATA

start:
    TEST_INIT
    mov word [UNIMP_COUNT], 0
    SET_VECTOR 6, unimp_ud_handler
    xor ax, ax
    cpuid
    cmp word [UNIMP_COUNT], 1
    jne .executed
    PRINTLN "cpuid: #UD"
    EXIT 0
.executed:
    PRINTLN "cpuid: executed"
    EXIT 0

; Counts the #UD and resumes after the 2-byte instruction (real mode pushes the IP of
; the faulting instruction: SDM 3A §6.5).
unimp_ud_handler:
    push bp
    mov bp, sp
    add word [bp + 2], 2
    add word [ss:UNIMP_COUNT], 1
    pop bp
    iret

    ROM_END
