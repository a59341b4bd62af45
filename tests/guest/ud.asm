; ud.asm - invalid opcode exception (#UD, vector 6) in real mode.
;
; SDM Vol 3A §6.15 (Interrupt 6): #UD is a fault, so the IP pushed is the
; one of the offending instruction (its first prefix byte) and nothing it
; would have done takes effect.  The handler records the pushed CS:IP and
; FLAGS and resumes after the instruction, whose length the test stores in
; UD_SKIP beforehand.
;
; Probed:
; - UD2 (0F 0B), the instruction defined to raise #UD;
; - LOCK on instructions that cannot be locked (SDM Vol 2A "LOCK": only
;   ADD/ADC/AND/BTx/CMPXCHG/DEC/INC/NEG/NOT/OR/SBB/SUB/XOR/XADD/XCHG with a
;   memory destination may be locked, otherwise #UD): lock nop, lock add
;   with a register destination, lock inc reg, lock cmp [mem] (CMP is
;   never lockable).  (Real CPUs also fault on "lock mov", but QEMU 7.2,
;   the reference, does not, so it is left out.)
; - operand forms that do not exist: LEA with a register source (8D C0),
;   MOV to CS (8E C8), LES with a register source (C4 C0).
; A correctly locked "lock add [bx], ax" must not fault.
%include "lib.inc"

UD_COUNT    equ TEST_DATA + 0x100   ; word: #UD taken so far
UD_IP       equ TEST_DATA + 0x102   ; word: IP pushed by the last #UD
UD_CS       equ TEST_DATA + 0x104   ; word: CS pushed by the last #UD
UD_FLAGS    equ TEST_DATA + 0x106   ; word: FLAGS pushed by the last #UD
UD_SKIP     equ TEST_DATA + 0x108   ; word: length of the next faulting insn

UD_EXPECTED equ TEST_DATA + 0x10a   ; word: UD_COUNT wanted after a probe

; UD_EXPECT name, bytes...: runs the instruction spelled by the bytes,
; which must raise exactly one #UD with IP pointing at its first byte.
; Registers and FLAGS reach the instruction as the caller left them.
%macro UD_EXPECT 2+
    pushf
    mov word [UD_SKIP], %%end - %%insn
    push word [UD_COUNT]
    pop word [UD_EXPECTED]
    add word [UD_EXPECTED], 1
    popf
%%insn:
    db %2
%%end:
    %strcat UD_NAME_TAKEN %1, ": #UD taken"
    %strcat UD_NAME_IP %1, ": pushed IP"
    CHECK UD_NAME_TAKEN, word [UD_COUNT], [UD_EXPECTED]
    CHECK UD_NAME_IP, word [UD_IP], %%insn
%endmacro

start:
    TEST_INIT
    SET_VECTOR 6, ud_handler
    mov word [UD_COUNT], 0

    AREA "ud2"
    mov word [UD_SKIP], 2
    push word F_CF | F_ZF
    popf
ud_at_ud2:
    ud2
    CHECK "ud2: #UD taken", word [UD_COUNT], 1
    CHECK "ud2: pushed IP", word [UD_IP], ud_at_ud2
    CHECK "ud2: pushed CS", word [UD_CS], ROM_SEG
    CHECK "ud2: pushed FLAGS", word [UD_FLAGS], 0x0002 | F_CF | F_ZF
    CHECKF "ud2: FLAGS after iret", F_ARITH, F_CF | F_ZF
    ; A second one right away: nothing stale from the first.
    UD_EXPECT "ud2 again", 0x0f, 0x0b

    AREA "lock on non-lockable"
    UD_EXPECT "lock nop", 0xf0, 0x90
    mov ax, 0x1234
    UD_EXPECT "lock add ax,ax", 0xf0, 0x01, 0xc0
    CHECK "lock add ax,ax: ax unchanged", ax, 0x1234
    mov dx, 0x7fff
    UD_EXPECT "lock inc dx", 0xf0, 0x42
    CHECK "lock inc dx: dx unchanged", dx, 0x7fff
    mov bx, TEST_DATA
    mov word [bx], 5
    mov ax, 5
    push word 0
    popf
    UD_EXPECT "lock cmp [bx],ax", 0xf0, 0x39, 0x07
    CHECKF "lock cmp: flags unchanged", F_ZF, 0
    ; The LOCK prefix after another prefix still counts: IP is the first
    ; prefix byte (es lock nop).
    UD_EXPECT "es lock nop", 0x26, 0xf0, 0x90

    AREA "lockable is fine"
    mov bx, TEST_DATA
    mov word [bx], 0x0100
    mov ax, 0x0023
    mov cx, [UD_COUNT]
    lock add [bx], ax
    CHECK "lock add [bx],ax: no #UD", word [UD_COUNT], cx
    CHECK "lock add [bx],ax: result", word [bx], 0x0123

    AREA "invalid operand forms"
    UD_EXPECT "lea ax,ax (8D C0)", 0x8d, 0xc0
    mov ax, 0x1000
    UD_EXPECT "mov cs,ax (8E C8)", 0x8e, 0xc8
    mov ax, cs
    CHECK "mov cs,ax: cs unchanged", ax, ROM_SEG
    UD_EXPECT "les ax,ax (C4 C0)", 0xc4, 0xc0

    FINISH

; #UD handler.  Stack after the two pushes: AX, BP, IP, CS, FLAGS.
ud_handler:
    push bp
    push ax
    mov bp, sp
    mov ax, [bp + 4]
    mov [ss:UD_IP], ax
    add ax, [ss:UD_SKIP]
    mov [bp + 4], ax
    mov ax, [bp + 6]
    mov [ss:UD_CS], ax
    mov ax, [bp + 8]
    mov [ss:UD_FLAGS], ax
    add word [ss:UD_COUNT], 1
    pop ax
    pop bp
    iret

    ROM_END
