; muldiv.asm - mul/imul (one-, two- and three-operand forms) and div/idiv
; on 8- and 16-bit operands, CF/OF of mul/imul, and the divide error
; (#DE, vector 0) for a zero divisor and for a quotient that does not fit.
;
; SDM Vol 2A/2B: MUL sets CF = OF = (upper half of the product != 0);
; IMUL sets CF = OF = (the product does not fit the destination, i.e. it
; differs from the sign extension of its lower half); SF/ZF/AF/PF are
; undefined after both and every flag is undefined after DIV/IDIV, so only
; CF|OF are checked.  IDIV truncates towards zero; the remainder takes the
; sign of the dividend.
%include "lib.inc"

; RAM used by the #DE handler (segment 0).
DE_COUNT    equ TEST_DATA + 0x100   ; word: #DE taken so far
DE_IP       equ TEST_DATA + 0x102   ; word: IP pushed by the last #DE
DE_CS       equ TEST_DATA + 0x104   ; word: CS pushed by the last #DE
DE_SKIP     equ TEST_DATA + 0x106   ; word: length of the faulting insn

; MD8 op, src, ax, b, want_ax, flags: AX = ax, src = b, "op src" (AX =
; AL * src, or AX / src -> AL quotient, AH remainder); flags = CF|OF to
; expect, or - for none (div/idiv).
%macro MD8 6
    %defstr MD_NAME %1 %2 ax=%3 b=%4
    %strcat MD_NAME_F MD_NAME, " CF/OF"
    mov ax, %3
    mov %2, %4
    %1 %2
    %ifnidn %6, -
        CHECKF MD_NAME_F, F_CF | F_OF, %6
    %endif
    CHECK MD_NAME, ax, %5
%endmacro

; MD16 op, src, dx, ax, b, want_dx, want_ax, flags: DX:AX = dx:ax,
; src = b, "op src".
%macro MD16 8
    %defstr MD_NAME %1 %2 dx:ax=%3:%4 b=%5
    %strcat MD_NAME_F MD_NAME, " CF/OF"
    %strcat MD_NAME_DX MD_NAME, " dx"
    %strcat MD_NAME_AX MD_NAME, " ax"
    mov dx, %3
    mov ax, %4
    mov %2, %5
    %1 %2
    %ifnidn %8, -
        CHECKF MD_NAME_F, F_CF | F_OF, %8
    %endif
    CHECK MD_NAME_DX, dx, %6
    CHECK MD_NAME_AX, ax, %7
%endmacro

; IMUL2 dst, src, a, b, want, flags: "imul dst, src" (0F AF).
%macro IMUL2 6
    %defstr MD_NAME imul %1,%2 a=%3 b=%4
    %strcat MD_NAME_F MD_NAME, " CF/OF"
    mov %1, %3
    mov %2, %4
    imul %1, %2
    CHECKF MD_NAME_F, F_CF | F_OF, %6
    CHECK MD_NAME, %1, %5
%endmacro

; IMUL3 dst, src, imm, a, want, flags: "imul dst, src, imm" (69 / 6B);
; dst starts as garbage, it is written, never read.
%macro IMUL3 6
    %defstr MD_NAME imul %1,%2,%3 a=%4
    %strcat MD_NAME_F MD_NAME, " CF/OF"
    mov %1, 0x5a5a
    mov %2, %4
    imul %1, %2, %3
    CHECKF MD_NAME_F, F_CF | F_OF, %6
    CHECK MD_NAME, %1, %5
%endmacro

start:
    TEST_INIT

    AREA "mul"
    MD8 mul, bl, 0x5a03, 0x04, 0x000c, 0
    MD8 mul, ch, 0x0010, 0x10, 0x0100, F_CF|F_OF
    MD8 mul, dh, 0x00ff, 0xff, 0xfe01, F_CF|F_OF
    MD8 mul, byte [TEST_DATA], 0x1200, 0x77, 0x0000, 0
    MD16 mul, bx, 0x1234, 0x0003, 0x0004, 0x0000, 0x000c, 0
    MD16 mul, cx, 0x0000, 0x0100, 0x0100, 0x0001, 0x0000, F_CF|F_OF
    MD16 mul, si, 0x5555, 0xffff, 0xffff, 0xfffe, 0x0001, F_CF|F_OF
    MD16 mul, word [TEST_DATA], 0x0000, 0x8000, 0x0002, 0x0001, 0x0000, F_CF|F_OF

    AREA "imul one-operand"
    MD8 imul, bl, 0x0003, 0xfc, 0xfff4, 0
    MD8 imul, cl, 0x0080, 0xff, 0x0080, F_CF|F_OF
    MD8 imul, dh, 0x00c0, 0x02, 0xff80, 0
    MD8 imul, bh, 0x00c0, 0x03, 0xff40, F_CF|F_OF
    MD8 imul, byte [TEST_DATA], 0x0080, 0x80, 0x4000, F_CF|F_OF
    MD16 imul, bx, 0x0000, 0xffff, 0xffff, 0x0000, 0x0001, 0
    MD16 imul, cx, 0x0000, 0x8000, 0xffff, 0x0000, 0x8000, F_CF|F_OF
    MD16 imul, di, 0x0000, 0x4000, 0x0002, 0x0000, 0x8000, F_CF|F_OF
    MD16 imul, bp, 0x0000, 0xc000, 0x0002, 0xffff, 0x8000, 0
    MD16 imul, word [TEST_DATA], 0x0000, 0x1234, 0xfedc, 0xffeb, 0x3cb0, F_CF|F_OF

    AREA "imul two/three-operand"
    IMUL2 ax, bx, 0x0003, 0xfffc, 0xfff4, 0
    IMUL2 cx, dx, 0x4000, 0x0002, 0x8000, F_CF|F_OF
    IMUL2 si, di, 0xc000, 0x0002, 0x8000, 0
    IMUL2 bx, word [TEST_DATA], 0x0100, 0x0100, 0x0000, F_CF|F_OF
    IMUL2 bp, ax, 0xffff, 0xffff, 0x0001, 0
    IMUL3 ax, bx, byte -3, 0x1000, 0xd000, 0
    IMUL3 dx, si, byte 0x7f, 0x0102, 0x7ffe, 0
    IMUL3 cx, word [TEST_DATA], 0x1234, 0x0002, 0x2468, 0
    IMUL3 di, cx, 0x8000, 0x0001, 0x8000, 0
    IMUL3 si, bp, 0x4000, 0x0004, 0x0000, F_CF|F_OF

    AREA "div"
    MD8 div, bl, 0x0064, 0x07, 0x020e, -
    MD8 div, ch, 0xfeff, 0xff, 0xfeff, -
    MD8 div, dh, 0x0005, 0x0a, 0x0500, -
    MD8 div, byte [TEST_DATA], 0x8000, 0x81, 0x02fe, -
    MD16 div, bx, 0x0000, 0x0064, 0x0007, 0x0002, 0x000e, -
    MD16 div, cx, 0x0001, 0x0000, 0x0002, 0x0000, 0x8000, -
    MD16 div, si, 0xfffe, 0xffff, 0xffff, 0xfffe, 0xffff, -
    MD16 div, word [TEST_DATA], 0x1234, 0x5678, 0x9abc, 0x2c70, 0x1e1e, -

    AREA "idiv"
    MD8 idiv, bl, 0xff9c, 0x07, 0xfef2, -
    MD8 idiv, cl, 0x0064, 0xf9, 0x02f2, -
    MD8 idiv, dh, 0xff9c, 0xf9, 0xfe0e, -
    MD8 idiv, bh, 0xff80, 0x01, 0x0080, -
    MD8 idiv, byte [TEST_DATA], 0x3f81, 0x80, 0x0181, -
    MD16 idiv, bx, 0xffff, 0xff9c, 0x0007, 0xfffe, 0xfff2, -
    MD16 idiv, cx, 0x0000, 0x0064, 0xfff9, 0x0002, 0xfff2, -
    MD16 idiv, si, 0xffff, 0x8000, 0x0001, 0x0000, 0x8000, -
    MD16 idiv, word [TEST_DATA], 0xffc0, 0x0001, 0x8000, 0x8001, 0x007f, -

    AREA "#DE"
    ; SDM Vol 3A §6.15 (Interrupt 0): #DE is a fault, so the IP pushed is
    ; the one of the DIV/IDIV itself and the destination is not written.
    ; The handler records IP and CS and resumes after the instruction.
    SET_VECTOR 0, de_handler
    mov word [DE_COUNT], 0

    mov word [DE_SKIP], 2
    mov ax, 0x1234
    mov bl, 0
de_at_div8_zero:
    div bl
    CHECK "div bl by 0: #DE taken", word [DE_COUNT], 1
    CHECK "div bl by 0: pushed IP", word [DE_IP], de_at_div8_zero
    CHECK "div bl by 0: pushed CS", word [DE_CS], ROM_SEG
    CHECK "div bl by 0: ax kept", ax, 0x1234

    mov dx, 0x0001
    mov ax, 0x0002
    mov bx, 0
de_at_div16_zero:
    div bx
    CHECK "div bx by 0: #DE taken", word [DE_COUNT], 2
    CHECK "div bx by 0: pushed IP", word [DE_IP], de_at_div16_zero
    CHECK "div bx by 0: dx kept", dx, 0x0001
    CHECK "div bx by 0: ax kept", ax, 0x0002

    mov ax, 0x1000                  ; 0x1000 / 0x10 = 0x100: no room in AL
    mov cl, 0x10
de_at_div8_overflow:
    div cl
    CHECK "div quotient overflow: #DE taken", word [DE_COUNT], 3
    CHECK "div quotient overflow: pushed IP", word [DE_IP], de_at_div8_overflow
    CHECK "div quotient overflow: ax kept", ax, 0x1000

    mov ax, 0xff80                  ; -128 / -1 = +128: no room in AL
    mov bh, 0xff
de_at_idiv8_overflow:
    idiv bh
    CHECK "idiv -128/-1: #DE taken", word [DE_COUNT], 4
    CHECK "idiv -128/-1: pushed IP", word [DE_IP], de_at_idiv8_overflow
    CHECK "idiv -128/-1: ax kept", ax, 0xff80

    mov dx, 0xffff                  ; -32768 / -1 = +32768: no room in AX
    mov ax, 0x8000
    mov si, 0xffff
de_at_idiv16_overflow:
    idiv si
    CHECK "idiv -32768/-1: #DE taken", word [DE_COUNT], 5
    CHECK "idiv -32768/-1: pushed IP", word [DE_IP], de_at_idiv16_overflow
    CHECK "idiv -32768/-1: dx kept", dx, 0xffff
    CHECK "idiv -32768/-1: ax kept", ax, 0x8000

    mov word [DE_SKIP], 4           ; F6 36 disp16
    mov byte [TEST_DATA], 0
    mov ax, 0x00ff
de_at_div_mem:
    div byte [TEST_DATA]
    CHECK "div [m] by 0: #DE taken", word [DE_COUNT], 6
    CHECK "div [m] by 0: pushed IP", word [DE_IP], de_at_div_mem
    CHECK "div [m] by 0: ax kept", ax, 0x00ff

    ; Division still works after the handler returned.
    mov ax, 0x0007
    mov bl, 2
    div bl
    CHECK "div after #DE", ax, 0x0103
    CHECK "no spurious #DE", word [DE_COUNT], 6

    FINISH

; #DE handler: stack = BP, AX, IP, CS, FLAGS (after the two pushes).
de_handler:
    push bp
    push ax
    mov bp, sp
    mov ax, [bp + 4]
    mov [ss:DE_IP], ax
    add ax, [ss:DE_SKIP]
    mov [bp + 4], ax
    mov ax, [bp + 6]
    mov [ss:DE_CS], ax
    add word [ss:DE_COUNT], 1
    pop ax
    pop bp
    iret

    ROM_END
