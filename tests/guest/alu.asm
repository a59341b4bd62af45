; alu.asm - results and status flags of the integer ALU instructions:
; add/adc/sub/sbb/cmp/and/or/xor/test/inc/dec/neg/not on 8-, 16- and a few
; 32-bit (0x66) operands, in register, memory and immediate forms (the
; short accumulator forms and the 80/81/83 groups).
;
; Every expected value was computed by running the same instruction on a
; real x86 CPU, and matches QEMU.  Flags are compared under a mask:
; arithmetic ops define all six status flags (SDM Vol 2 "Flags Affected");
; AND/OR/XOR/TEST leave AF undefined, so F_LOGIC leaves it out; INC/DEC
; preserve CF; NOT affects no flag.
;
; Each case runs twice: with the status flags other than CF first all
; clear, then all set, so a flag that is not computed (left stale) is
; caught whichever value it is stuck at.
%include "lib.inc"

; ALU_MASK_FOR op: defines ALU_MASK, the flags the op defines.
%macro ALU_MASK_FOR 1
    %define ALU_MASK F_ARITH
    %ifidni %1, and
        %define ALU_MASK F_LOGIC
    %elifidni %1, or
        %define ALU_MASK F_LOGIC
    %elifidni %1, xor
        %define ALU_MASK F_LOGIC
    %elifidni %1, test
        %define ALU_MASK F_LOGIC
    %endif
%endmacro

; ALU_RESULT size, name, where, want: checks an 8/16/32-bit result.
%macro ALU_RESULT 4
    %if %1 == 8
        CHECK8 %2, %3, %4
    %elif %1 == 16
        CHECK %2, %3, %4
    %else
        CHECKD %2, %3, %4
    %endif
%endmacro

; ALU_CHECKS size, dst, want, flags, pass: the checks after a case ran.
%macro ALU_CHECKS 5
    %if %5 == 0
        CHECKF ALU_NAME_F, ALU_MASK, %4
        ALU_RESULT %1, ALU_NAME, %2, %3
    %else
        CHECKF ALU_NAME_F1, ALU_MASK, %4
        ALU_RESULT %1, ALU_NAME_1, %2, %3
    %endif
%endmacro

; Status flags other than CF, preset on the second pass.
ALU_PRESET_ONES equ F_PF | F_AF | F_ZF | F_SF | F_OF

; BINOP size, op, dst, src, a, b, cf, want, flags:
;   dst = a, src = b, CF = cf; "op dst, src"; dst must be want and the
;   defined flags must be exactly `flags`.  (For cmp/test want = a.)
%macro BINOP 9
    ALU_MASK_FOR %2
    %defstr ALU_NAME %2 %3,%4 a=%5 b=%6 cf=%7
    %strcat ALU_NAME_F ALU_NAME, " flags"
    %strcat ALU_NAME_1 ALU_NAME, " (flags preset)"
    %strcat ALU_NAME_F1 ALU_NAME, " flags (flags preset)"
    %assign alu_pass 0
    %rep 2
        mov %3, %5
        mov %4, %6
        push word (%7) | (alu_pass * ALU_PRESET_ONES)
        popf
        %2 %3, %4
        ALU_CHECKS %1, %3, %8, %9, alu_pass
        %assign alu_pass alu_pass + 1
    %endrep
%endmacro

; BINOPI size, op, dst, imm, a, cf, want, flags: "op dst, imm".
%macro BINOPI 8
    ALU_MASK_FOR %2
    %defstr ALU_NAME %2 %3,%4 a=%5 cf=%6
    %strcat ALU_NAME_F ALU_NAME, " flags"
    %strcat ALU_NAME_1 ALU_NAME, " (flags preset)"
    %strcat ALU_NAME_F1 ALU_NAME, " flags (flags preset)"
    %assign alu_pass 0
    %rep 2
        mov %3, %5
        push word (%6) | (alu_pass * ALU_PRESET_ONES)
        popf
        %2 %3, %4
        ALU_CHECKS %1, %3, %7, %8, alu_pass
        %assign alu_pass alu_pass + 1
    %endrep
%endmacro

; UNOP size, op, dst, a, cf, want, flags: "op dst".
%macro UNOP 7
    ALU_MASK_FOR %2
    %defstr ALU_NAME %2 %3 a=%4 cf=%5
    %strcat ALU_NAME_F ALU_NAME, " flags"
    %strcat ALU_NAME_1 ALU_NAME, " (flags preset)"
    %strcat ALU_NAME_F1 ALU_NAME, " flags (flags preset)"
    %assign alu_pass 0
    %rep 2
        mov %3, %4
        push word (%5) | (alu_pass * ALU_PRESET_ONES)
        popf
        %2 %3
        ALU_CHECKS %1, %3, %6, %7, alu_pass
        %assign alu_pass alu_pass + 1
    %endrep
%endmacro

; Size-specific spellings used by the tables below.
%macro BINOP8 8
    BINOP 8, %{1:8}
%endmacro
%macro BINOP16 8
    BINOP 16, %{1:8}
%endmacro
%macro BINOP32 8
    BINOP 32, %{1:8}
%endmacro
%macro BINOPI8 7
    BINOPI 8, %{1:7}
%endmacro
%macro BINOPI16 7
    BINOPI 16, %{1:7}
%endmacro
%macro BINOPI32 7
    BINOPI 32, %{1:7}
%endmacro
%macro UNOP8 6
    UNOP 8, %{1:6}
%endmacro
%macro UNOP16 6
    UNOP 16, %{1:6}
%endmacro
%macro UNOP32 6
    UNOP 32, %{1:6}
%endmacro

start:
    TEST_INIT
    ; Tables: BINOPn op, dst, src, a, b, CF in, result, flags
    ;         BINOPIn op, dst, imm, a, CF in, result, flags
    ;         UNOPn op, dst, a, CF in, result, flags

    AREA "add 8-bit"
    BINOP8 add, al, bl, 0x00, 0x00, 0, 0x00, F_ZF|F_PF
    BINOP8 add, al, bl, 0x12, 0x34, 0, 0x46, 0
    BINOP8 add, cl, dl, 0x0f, 0x01, 0, 0x10, F_AF
    BINOP8 add, ch, dh, 0x7f, 0x01, 0, 0x80, F_OF|F_SF|F_AF
    BINOP8 add, ah, bh, 0x80, 0x80, 0, 0x00, F_OF|F_ZF|F_PF|F_CF
    BINOP8 add, dl, ch, 0xff, 0x01, 0, 0x00, F_ZF|F_AF|F_PF|F_CF
    BINOP8 add, bl, al, 0xff, 0xff, 0, 0xfe, F_SF|F_AF|F_CF
    BINOP8 add, bh, cl, 0x80, 0x7f, 0, 0xff, F_SF|F_PF
    BINOP8 add, dh, ah, 0x08, 0x08, 0, 0x10, F_AF
    BINOP8 add, byte [TEST_DATA], cl, 0x7f, 0x7f, 0, 0xfe, F_OF|F_SF|F_AF
    BINOP8 add, dl, byte [TEST_DATA], 0xc0, 0x40, 0, 0x00, F_ZF|F_PF|F_CF
    BINOPI8 add, al, 0x01, 0x7f, 0, 0x80, F_OF|F_SF|F_AF
    BINOPI8 add, bh, 0x90, 0x90, 0, 0x20, F_OF|F_CF
    BINOPI8 add, byte [TEST_DATA], 0x11, 0xef, 0, 0x00, F_ZF|F_AF|F_PF|F_CF

    AREA "adc 8-bit"
    BINOP8 adc, al, bl, 0x00, 0x00, 1, 0x01, 0
    BINOP8 adc, al, bl, 0xff, 0x00, 0, 0xff, F_SF|F_PF
    BINOP8 adc, al, bl, 0xff, 0x00, 1, 0x00, F_ZF|F_AF|F_PF|F_CF
    BINOP8 adc, cl, dh, 0x7f, 0x00, 1, 0x80, F_OF|F_SF|F_AF
    BINOP8 adc, ch, bl, 0x0e, 0x01, 1, 0x10, F_AF
    BINOP8 adc, ah, dl, 0x80, 0x7f, 1, 0x00, F_ZF|F_AF|F_PF|F_CF
    BINOP8 adc, bh, ah, 0xff, 0xff, 1, 0xff, F_SF|F_AF|F_PF|F_CF
    BINOP8 adc, byte [TEST_DATA], al, 0x7e, 0x01, 1, 0x80, F_OF|F_SF|F_AF
    BINOP8 adc, dl, byte [TEST_DATA], 0x80, 0x80, 1, 0x01, F_OF|F_CF
    BINOPI8 adc, al, 0x0f, 0x00, 1, 0x10, F_AF
    BINOPI8 adc, dh, 0xff, 0x00, 1, 0x00, F_ZF|F_AF|F_PF|F_CF

    AREA "sub 8-bit"
    BINOP8 sub, al, bl, 0x05, 0x05, 0, 0x00, F_ZF|F_PF
    BINOP8 sub, al, bl, 0x00, 0x01, 0, 0xff, F_SF|F_AF|F_PF|F_CF
    BINOP8 sub, cl, dl, 0x80, 0x01, 0, 0x7f, F_OF|F_AF
    BINOP8 sub, ch, dh, 0x7f, 0xff, 0, 0x80, F_OF|F_SF|F_CF
    BINOP8 sub, ah, bh, 0x10, 0x01, 0, 0x0f, F_AF|F_PF
    BINOP8 sub, dl, cl, 0x00, 0x80, 0, 0x80, F_OF|F_SF|F_CF
    BINOP8 sub, bh, al, 0x34, 0x12, 0, 0x22, F_PF
    BINOP8 sub, byte [TEST_DATA], ah, 0x01, 0x02, 0, 0xff, F_SF|F_AF|F_PF|F_CF
    BINOP8 sub, bl, byte [TEST_DATA], 0xff, 0x7f, 0, 0x80, F_SF
    BINOPI8 sub, al, 0x80, 0x7f, 0, 0xff, F_OF|F_SF|F_PF|F_CF
    BINOPI8 sub, cl, 0x01, 0x80, 0, 0x7f, F_OF|F_AF
    BINOPI8 sub, byte [TEST_DATA], 0x10, 0x10, 0, 0x00, F_ZF|F_PF

    AREA "sbb 8-bit"
    BINOP8 sbb, al, bl, 0x00, 0x00, 1, 0xff, F_SF|F_AF|F_PF|F_CF
    BINOP8 sbb, al, bl, 0x01, 0x00, 1, 0x00, F_ZF|F_PF
    BINOP8 sbb, cl, dl, 0x80, 0x00, 1, 0x7f, F_OF|F_AF
    BINOP8 sbb, ch, dh, 0x7f, 0xff, 1, 0x7f, F_AF|F_CF
    BINOP8 sbb, ah, bh, 0x10, 0x0f, 1, 0x00, F_ZF|F_AF|F_PF
    BINOP8 sbb, dl, al, 0x10, 0x0f, 0, 0x01, F_AF
    BINOP8 sbb, bh, cl, 0xff, 0xff, 1, 0xff, F_SF|F_AF|F_PF|F_CF
    BINOP8 sbb, byte [TEST_DATA], dh, 0x00, 0x7f, 1, 0x80, F_SF|F_AF|F_CF
    BINOPI8 sbb, al, 0xff, 0x00, 1, 0x00, F_ZF|F_AF|F_PF|F_CF
    BINOPI8 sbb, bl, 0x01, 0x02, 1, 0x00, F_ZF|F_PF

    AREA "cmp 8-bit"
    BINOP8 cmp, al, bl, 0x05, 0x05, 0, 0x05, F_ZF|F_PF
    BINOP8 cmp, al, bl, 0x04, 0x05, 0, 0x04, F_SF|F_AF|F_PF|F_CF
    BINOP8 cmp, cl, dl, 0x80, 0x01, 0, 0x80, F_OF|F_AF
    BINOP8 cmp, dh, ah, 0x7f, 0x80, 0, 0x7f, F_OF|F_SF|F_PF|F_CF
    BINOP8 cmp, byte [TEST_DATA], bh, 0x10, 0x01, 0, 0x10, F_AF|F_PF
    BINOP8 cmp, ch, byte [TEST_DATA], 0x01, 0xff, 0, 0x01, F_AF|F_CF
    BINOPI8 cmp, al, 0x00, 0x00, 0, 0x00, F_ZF|F_PF
    BINOPI8 cmp, dl, 0x81, 0x01, 0, 0x01, F_OF|F_SF|F_CF
    BINOPI8 cmp, byte [TEST_DATA], 0x7f, 0xfe, 0, 0xfe, F_OF|F_AF

    AREA "logic 8-bit"
    BINOP8 and, al, bl, 0xf0, 0x0f, 0, 0x00, F_ZF|F_PF
    BINOP8 and, cl, dl, 0xff, 0x80, 0, 0x80, F_SF
    BINOP8 and, ah, ch, 0x5a, 0xc3, 0, 0x42, F_PF
    BINOP8 or, al, bl, 0x00, 0x00, 1, 0x00, F_ZF|F_PF
    BINOP8 or, dh, bh, 0x40, 0x03, 1, 0x43, 0
    BINOP8 or, byte [TEST_DATA], al, 0x0f, 0xf0, 0, 0xff, F_SF|F_PF
    BINOP8 xor, al, bl, 0xff, 0xff, 1, 0x00, F_ZF|F_PF
    BINOP8 xor, bl, al, 0x7f, 0xfe, 0, 0x81, F_SF|F_PF
    BINOP8 xor, ch, byte [TEST_DATA], 0x01, 0x03, 0, 0x02, 0
    BINOPI8 and, al, 0x81, 0xff, 1, 0x81, F_SF|F_PF
    BINOPI8 or, cl, 0x80, 0x00, 0, 0x80, F_SF
    BINOPI8 xor, byte [TEST_DATA], 0x55, 0xaa, 1, 0xff, F_SF|F_PF
    BINOP8 test, al, bl, 0x0f, 0xf0, 1, 0x0f, F_ZF|F_PF
    BINOP8 test, dh, cl, 0x81, 0x80, 0, 0x81, F_SF
    BINOP8 test, byte [TEST_DATA], ah, 0x03, 0x01, 0, 0x03, 0
    BINOPI8 test, al, 0x80, 0x80, 1, 0x80, F_SF
    BINOPI8 test, bh, 0x06, 0x07, 0, 0x07, F_PF
    BINOPI8 test, byte [TEST_DATA], 0xff, 0x00, 0, 0x00, F_ZF|F_PF

    AREA "inc/dec/neg 8-bit"
    UNOP8 inc, al, 0x00, 0, 0x01, 0
    UNOP8 inc, al, 0x00, 1, 0x01, F_CF
    UNOP8 inc, bl, 0x7f, 0, 0x80, F_OF|F_SF|F_AF
    UNOP8 inc, ch, 0xff, 0, 0x00, F_ZF|F_AF|F_PF
    UNOP8 inc, dh, 0xff, 1, 0x00, F_ZF|F_AF|F_PF|F_CF
    UNOP8 inc, ah, 0x0f, 1, 0x10, F_AF|F_CF
    UNOP8 inc, byte [TEST_DATA], 0x80, 1, 0x81, F_SF|F_PF|F_CF
    UNOP8 dec, al, 0x01, 0, 0x00, F_ZF|F_PF
    UNOP8 dec, cl, 0x00, 0, 0xff, F_SF|F_AF|F_PF
    UNOP8 dec, dl, 0x00, 1, 0xff, F_SF|F_AF|F_PF|F_CF
    UNOP8 dec, bh, 0x80, 1, 0x7f, F_OF|F_AF|F_CF
    UNOP8 dec, ah, 0x10, 0, 0x0f, F_AF|F_PF
    UNOP8 dec, byte [TEST_DATA], 0x81, 0, 0x80, F_SF
    UNOP8 neg, al, 0x00, 1, 0x00, F_ZF|F_PF
    UNOP8 neg, cl, 0x01, 0, 0xff, F_SF|F_AF|F_PF|F_CF
    UNOP8 neg, dh, 0x80, 0, 0x80, F_OF|F_SF|F_CF
    UNOP8 neg, bl, 0x7f, 0, 0x81, F_SF|F_AF|F_PF|F_CF
    UNOP8 neg, byte [TEST_DATA], 0x10, 0, 0xf0, F_SF|F_PF|F_CF

    AREA "add/adc 16-bit"
    BINOP16 add, ax, bx, 0x0000, 0x0000, 1, 0x0000, F_ZF|F_PF
    BINOP16 add, ax, bx, 0x1234, 0x4321, 0, 0x5555, F_PF
    BINOP16 add, cx, dx, 0x7fff, 0x0001, 0, 0x8000, F_OF|F_SF|F_AF|F_PF
    BINOP16 add, si, di, 0x8000, 0x8000, 0, 0x0000, F_OF|F_ZF|F_PF|F_CF
    BINOP16 add, bp, ax, 0xffff, 0x0001, 0, 0x0000, F_ZF|F_AF|F_PF|F_CF
    BINOP16 add, di, si, 0x00ff, 0x0001, 0, 0x0100, F_AF|F_PF
    BINOP16 add, dx, bp, 0xffff, 0xffff, 0, 0xfffe, F_SF|F_AF|F_CF
    BINOP16 add, word [TEST_DATA], cx, 0x8000, 0x7fff, 0, 0xffff, F_SF|F_PF
    BINOP16 add, bx, word [TEST_DATA], 0x0f0f, 0x00f1, 0, 0x1000, F_AF|F_PF
    BINOPI16 add, ax, 0x1234, 0x4321, 0, 0x5555, F_PF
    BINOPI16 add, cx, word 0x0100, 0xff00, 0, 0x0000, F_ZF|F_PF|F_CF
    BINOPI16 add, si, byte -1, 0x0001, 0, 0x0000, F_ZF|F_AF|F_PF|F_CF
    BINOPI16 add, di, byte 0x7f, 0x7f81, 0, 0x8000, F_OF|F_SF|F_AF|F_PF
    BINOPI16 add, word [TEST_DATA], 0x8000, 0x8000, 0, 0x0000, F_OF|F_ZF|F_PF|F_CF
    BINOPI16 add, word [TEST_DATA], byte -128, 0x0080, 0, 0x0000, F_ZF|F_PF|F_CF
    BINOP16 adc, ax, bx, 0xffff, 0x0000, 1, 0x0000, F_ZF|F_AF|F_PF|F_CF
    BINOP16 adc, cx, dx, 0x7fff, 0x0000, 1, 0x8000, F_OF|F_SF|F_AF|F_PF
    BINOP16 adc, si, di, 0x8000, 0xffff, 1, 0x8000, F_SF|F_AF|F_PF|F_CF
    BINOP16 adc, bx, ax, 0x00ff, 0x0000, 1, 0x0100, F_AF|F_PF
    BINOP16 adc, word [TEST_DATA], dx, 0x1234, 0x1234, 0, 0x2468, 0
    BINOPI16 adc, ax, 0x7fff, 0x0000, 1, 0x8000, F_OF|F_SF|F_AF|F_PF
    BINOPI16 adc, bp, byte -2, 0x0001, 1, 0x0000, F_ZF|F_AF|F_PF|F_CF

    AREA "sub/sbb/cmp 16-bit"
    BINOP16 sub, ax, bx, 0x1234, 0x1234, 0, 0x0000, F_ZF|F_PF
    BINOP16 sub, ax, bx, 0x0000, 0x0001, 1, 0xffff, F_SF|F_AF|F_PF|F_CF
    BINOP16 sub, cx, dx, 0x8000, 0x0001, 0, 0x7fff, F_OF|F_AF|F_PF
    BINOP16 sub, si, di, 0x7fff, 0xffff, 0, 0x8000, F_OF|F_SF|F_PF|F_CF
    BINOP16 sub, bp, cx, 0x0100, 0x0001, 0, 0x00ff, F_AF|F_PF
    BINOP16 sub, word [TEST_DATA], si, 0x0000, 0x8000, 0, 0x8000, F_OF|F_SF|F_PF|F_CF
    BINOP16 sub, di, word [TEST_DATA], 0x8000, 0x8000, 0, 0x0000, F_ZF|F_PF
    BINOPI16 sub, ax, 0x8000, 0x0000, 0, 0x8000, F_OF|F_SF|F_PF|F_CF
    BINOPI16 sub, dx, byte 1, 0x8000, 0, 0x7fff, F_OF|F_AF|F_PF
    BINOPI16 sub, word [TEST_DATA], word 0x1111, 0x1000, 0, 0xfeef, F_SF|F_AF|F_CF
    BINOP16 sbb, ax, bx, 0x0000, 0x0000, 1, 0xffff, F_SF|F_AF|F_PF|F_CF
    BINOP16 sbb, cx, dx, 0x8000, 0x0000, 1, 0x7fff, F_OF|F_AF|F_PF
    BINOP16 sbb, si, di, 0x7fff, 0xffff, 1, 0x7fff, F_AF|F_PF|F_CF
    BINOP16 sbb, bx, ax, 0x1000, 0x0fff, 1, 0x0000, F_ZF|F_AF|F_PF
    BINOPI16 sbb, ax, 0xffff, 0xffff, 1, 0xffff, F_SF|F_AF|F_PF|F_CF
    BINOPI16 sbb, word [TEST_DATA], byte 0, 0x0000, 1, 0xffff, F_SF|F_AF|F_PF|F_CF
    BINOP16 cmp, ax, bx, 0x8000, 0x7fff, 0, 0x8000, F_OF|F_AF
    BINOP16 cmp, cx, dx, 0x7fff, 0x8000, 0, 0x7fff, F_OF|F_SF|F_PF|F_CF
    BINOP16 cmp, si, di, 0x1234, 0x1234, 0, 0x1234, F_ZF|F_PF
    BINOP16 cmp, word [TEST_DATA], bp, 0x0000, 0x0001, 0, 0x0000, F_SF|F_AF|F_PF|F_CF
    BINOPI16 cmp, ax, 0xffff, 0xfffe, 0, 0xfffe, F_SF|F_AF|F_PF|F_CF
    BINOPI16 cmp, di, byte -1, 0xffff, 0, 0xffff, F_ZF|F_PF
    BINOPI16 cmp, word [TEST_DATA], 0x0080, 0x007f, 0, 0x007f, F_SF|F_PF|F_CF

    AREA "logic 16-bit"
    BINOP16 and, ax, bx, 0xff00, 0x0ff0, 1, 0x0f00, F_PF
    BINOP16 and, cx, dx, 0x8001, 0x8000, 0, 0x8000, F_SF|F_PF
    BINOP16 and, word [TEST_DATA], si, 0x5555, 0xaaaa, 0, 0x0000, F_ZF|F_PF
    BINOP16 or, ax, bx, 0x0000, 0x0000, 1, 0x0000, F_ZF|F_PF
    BINOP16 or, di, bp, 0x1200, 0x0034, 0, 0x1234, 0
    BINOP16 or, dx, word [TEST_DATA], 0x8000, 0x0001, 0, 0x8001, F_SF
    BINOP16 xor, ax, bx, 0xffff, 0xffff, 1, 0x0000, F_ZF|F_PF
    BINOP16 xor, si, cx, 0x7fff, 0xffff, 0, 0x8000, F_SF|F_PF
    BINOPI16 and, ax, 0x00ff, 0x1234, 1, 0x0034, 0
    BINOPI16 and, bx, byte -16, 0x1234, 0, 0x1230, F_PF
    BINOPI16 or, cx, 0x8000, 0x0000, 0, 0x8000, F_SF|F_PF
    BINOPI16 xor, word [TEST_DATA], word 0x0101, 0x0001, 1, 0x0100, F_PF
    BINOP16 test, ax, bx, 0x8000, 0x8000, 1, 0x8000, F_SF|F_PF
    BINOP16 test, dx, cx, 0x00ff, 0xff00, 0, 0x00ff, F_ZF|F_PF
    BINOP16 test, word [TEST_DATA], di, 0x0003, 0x0001, 0, 0x0003, 0
    BINOPI16 test, ax, 0x0100, 0x0300, 1, 0x0300, F_PF
    BINOPI16 test, si, 0x8001, 0x0001, 0, 0x0001, 0
    BINOPI16 test, word [TEST_DATA], 0xffff, 0x0000, 0, 0x0000, F_ZF|F_PF

    AREA "inc/dec/neg 16-bit"
    UNOP16 inc, ax, 0x7fff, 0, 0x8000, F_OF|F_SF|F_AF|F_PF
    UNOP16 inc, bx, 0xffff, 1, 0x0000, F_ZF|F_AF|F_PF|F_CF
    UNOP16 inc, cx, 0xffff, 0, 0x0000, F_ZF|F_AF|F_PF
    UNOP16 inc, si, 0x00ff, 1, 0x0100, F_AF|F_PF|F_CF
    UNOP16 inc, bp, 0x0000, 1, 0x0001, F_CF
    UNOP16 inc, word [TEST_DATA], 0x800f, 0, 0x8010, F_SF|F_AF
    UNOP16 dec, ax, 0x8000, 1, 0x7fff, F_OF|F_AF|F_PF|F_CF
    UNOP16 dec, dx, 0x0000, 0, 0xffff, F_SF|F_AF|F_PF
    UNOP16 dec, di, 0x0001, 1, 0x0000, F_ZF|F_PF|F_CF
    UNOP16 dec, bp, 0x0100, 0, 0x00ff, F_AF|F_PF
    UNOP16 dec, word [TEST_DATA], 0x0000, 1, 0xffff, F_SF|F_AF|F_PF|F_CF
    UNOP16 neg, ax, 0x0000, 1, 0x0000, F_ZF|F_PF
    UNOP16 neg, bx, 0x8000, 0, 0x8000, F_OF|F_SF|F_PF|F_CF
    UNOP16 neg, cx, 0x0001, 0, 0xffff, F_SF|F_AF|F_PF|F_CF
    UNOP16 neg, si, 0x7fff, 1, 0x8001, F_SF|F_AF|F_CF
    UNOP16 neg, word [TEST_DATA], 0x0100, 0, 0xff00, F_SF|F_PF|F_CF

    AREA "32-bit (0x66)"
    BINOP32 add, eax, ebx, 0x7fffffff, 0x00000001, 0, 0x80000000, F_OF|F_SF|F_AF|F_PF
    BINOP32 add, ecx, edx, 0xffffffff, 0x00000001, 0, 0x00000000, F_ZF|F_AF|F_PF|F_CF
    BINOP32 add, esi, edi, 0x0000ffff, 0x00000001, 0, 0x00010000, F_AF|F_PF
    BINOP32 adc, eax, ebx, 0xffffffff, 0x00000000, 1, 0x00000000, F_ZF|F_AF|F_PF|F_CF
    BINOP32 sub, ecx, edx, 0x00000000, 0x00000001, 0, 0xffffffff, F_SF|F_AF|F_PF|F_CF
    BINOP32 sub, eax, ebx, 0x80000000, 0x00000001, 0, 0x7fffffff, F_OF|F_AF|F_PF
    BINOP32 sbb, esi, edi, 0x00010000, 0x00000000, 1, 0x0000ffff, F_AF|F_PF
    BINOP32 cmp, eax, ebx, 0x12345678, 0x12345678, 0, 0x12345678, F_ZF|F_PF
    BINOP32 and, edx, ecx, 0xffff0000, 0x8000ffff, 1, 0x80000000, F_SF|F_PF
    BINOP32 or, eax, ebx, 0x00000000, 0x00000000, 1, 0x00000000, F_ZF|F_PF
    BINOP32 xor, ebx, eax, 0x80000000, 0x00000001, 0, 0x80000001, F_SF
    BINOPI32 add, eax, 0x10000000, 0x70000000, 0, 0x80000000, F_OF|F_SF|F_PF
    BINOPI32 add, ebx, byte -1, 0x00000000, 0, 0xffffffff, F_SF|F_PF
    BINOPI32 sub, ecx, dword 0x00010001, 0x00010000, 0, 0xffffffff, F_SF|F_AF|F_PF|F_CF
    BINOPI32 cmp, edx, byte 1, 0x80000000, 0, 0x80000000, F_OF|F_AF|F_PF
    UNOP32 inc, eax, 0x7fffffff, 1, 0x80000000, F_OF|F_SF|F_AF|F_PF|F_CF
    UNOP32 dec, ecx, 0x00000000, 0, 0xffffffff, F_SF|F_AF|F_PF
    UNOP32 neg, edx, 0x80000000, 0, 0x80000000, F_OF|F_SF|F_PF|F_CF

    AREA "not (no flags)"
    ; SDM Vol 2B NOT: "Flags Affected: None" - both presets must survive.
    mov al, 0x0f
    push word F_ARITH
    popf
    not al
    CHECKF "not al flags (all set)", F_ARITH, F_ARITH
    CHECK8 "not al", al, 0xf0
    mov dh, 0x80
    push word 0
    popf
    not dh
    CHECKF "not dh flags (all clear)", F_ARITH, 0
    CHECK8 "not dh", dh, 0x7f
    mov word [TEST_DATA], 0x1234
    push word F_ZF | F_CF
    popf
    not word [TEST_DATA]
    CHECKF "not word [m] flags", F_ARITH, F_ZF | F_CF
    CHECK "not word [m]", word [TEST_DATA], 0xedcb
    mov si, 0x0000
    not si
    CHECK "not si", si, 0xffff
    mov ecx, 0x0000ffff
    not ecx
    CHECKD "not ecx", ecx, 0xffff0000

    AREA "addressing modes"
    ; Every 16-bit ModRM memory form (SDM Vol 2A Table 2-1) adds 1 to its
    ; own word, so a wrong effective address shows up as a wrong word.
    mov bx, TEST_DATA + 0x10
    mov cx, 11
.fill:
    mov word [bx], 0x1000
    add bx, 2
    sub cx, 1
    jnz .fill
    mov bx, TEST_DATA
    mov bp, TEST_DATA               ; bp-based forms default to SS (= 0)
    mov si, 0x10
    mov di, 0x10
    mov ax, 1
    add [bx + si], ax               ; T+0x10
    add [bx + di + 2], ax           ; T+0x12
    add [bp + si + 4], ax           ; T+0x14
    add [bp + di + 6], ax           ; T+0x16
    add [si + TEST_DATA + 0x08], ax ; T+0x18
    add [di + TEST_DATA + 0x0a], ax ; T+0x1a
    add [bp + 0x1c], ax             ; T+0x1c
    add [bx + 0x1e], ax             ; T+0x1e
    mov bx, TEST_DATA + 0x20
    mov si, TEST_DATA + 0x22
    mov di, TEST_DATA + 0x24
    add [bx], ax                    ; T+0x20
    add [si], ax                    ; T+0x22
    add [di], ax                    ; T+0x24
    CHECK "[bx+si]", word [TEST_DATA + 0x10], 0x1001
    CHECK "[bx+di+d8]", word [TEST_DATA + 0x12], 0x1001
    CHECK "[bp+si+d8]", word [TEST_DATA + 0x14], 0x1001
    CHECK "[bp+di+d8]", word [TEST_DATA + 0x16], 0x1001
    CHECK "[si+d16]", word [TEST_DATA + 0x18], 0x1001
    CHECK "[di+d16]", word [TEST_DATA + 0x1a], 0x1001
    CHECK "[bp+d8]", word [TEST_DATA + 0x1c], 0x1001
    CHECK "[bx+d8]", word [TEST_DATA + 0x1e], 0x1001
    CHECK "[bx]", word [TEST_DATA + 0x20], 0x1001
    CHECK "[si]", word [TEST_DATA + 0x22], 0x1001
    CHECK "[di]", word [TEST_DATA + 0x24], 0x1001
    ; Negative displacement, and the reg <- r/m direction.
    mov bx, TEST_DATA + 0x12
    mov dl, 0x05
    add dl, [bx - 1]                ; high byte of the word at T+0x10
    CHECK8 "add dl, [bx-1]", dl, 0x15
    mov di, TEST_DATA + 0x1a
    mov cx, 0x0100
    add cx, [di]
    CHECK "add cx, [di]", cx, 0x1101
    ; Offsets wrap at 64 KiB inside the segment: bx+si = 0x10000+T+0x10.
    mov bx, 0xffff
    mov si, TEST_DATA + 0x10 + 1
    add word [bx + si], 0x0100
    CHECK "[bx+si] wraps at 64K", word [TEST_DATA + 0x10], 0x1101
    ; A segment override (ES) on a memory operand.
    mov ax, (TEST_DATA + 0x30) >> 4
    mov es, ax
    mov byte [TEST_DATA + 0x30], 0x40
    add byte [es:0], 0x02
    mov ax, 0
    mov es, ax
    CHECK8 "add byte [es:0]", byte [TEST_DATA + 0x30], 0x42

    FINISH

    ROM_END
