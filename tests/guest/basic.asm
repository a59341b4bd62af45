; basic.asm - the data-movement and flag-control instructions the other
; ROMs lean on: mov in all its forms (immediates, r/m, moffs, segment
; registers, the high-byte registers), xchg, lea, cbw/cwd, push/pop of
; registers, segment registers, immediates and memory, and clc/stc/cmc/
; cld/std/cli/sti.  None of the data-movement instructions may change a
; flag (SDM Vol 2: "Flags Affected: None"), which is checked with both
; all-clear and all-set presets.
%include "lib.inc"

; KEEPS_FLAGS name, insn...: with FLAGS preset to all status flags set
; and then to all clear, the instruction leaves them as they were.
%macro KEEPS_FLAGS 2+
    push word F_ARITH
    popf
    %2
    CHECKF %str(%1 keeps flags (set)), F_ARITH, F_ARITH
    push word 0
    popf
    %2
    CHECKF %str(%1 keeps flags (clear)), F_ARITH, 0
%endmacro

start:
    TEST_INIT

    AREA "mov"
    ; B0+r / B8+r: each register gets its own value (the encodings of the
    ; high-byte registers and of sp/bp/si/di share register numbers).
    mov ax, 0
    mov bx, 0
    mov cx, 0
    mov dx, 0
    mov al, 0x11
    mov cl, 0x22
    mov dl, 0x33
    mov bl, 0x44
    mov ah, 0x55
    mov ch, 0x66
    mov dh, 0x77
    mov bh, 0x88
    CHECK "mov al/ah", ax, 0x5511
    CHECK "mov cl/ch", cx, 0x6622
    CHECK "mov dl/dh", dx, 0x7733
    CHECK "mov bl/bh", bx, 0x8844
    mov si, 0x1111
    mov di, 0x2222
    mov bp, 0x3333
    CHECK "mov si", si, 0x1111
    CHECK "mov di", di, 0x2222
    CHECK "mov bp", bp, 0x3333
    ; 88/89/8A/8B between registers.
    mov ax, 0xa1b2
    mov si, ax
    mov dh, al
    mov cl, ah
    CHECK "mov si, ax", si, 0xa1b2
    CHECK8 "mov dh, al", dh, 0xb2
    CHECK8 "mov cl, ah", cl, 0xa1
    ; C6/C7 to memory, then 8A/8B back.
    mov byte [TEST_DATA], 0xc6
    mov word [TEST_DATA + 2], 0xc7c7
    mov bl, [TEST_DATA]
    mov bp, [TEST_DATA + 2]
    CHECK8 "mov byte [m], imm", bl, 0xc6
    CHECK "mov word [m], imm", bp, 0xc7c7
    ; 88/89 to memory.
    mov ch, 0x5e
    mov [TEST_DATA + 4], ch
    mov di, 0x1357
    mov [TEST_DATA + 6], di
    CHECK8 "mov [m], ch", byte [TEST_DATA + 4], 0x5e
    CHECK "mov [m], di", word [TEST_DATA + 6], 0x1357
    ; A0-A3: the moffs forms (accumulator <-> [disp16]).
    mov word [TEST_DATA + 8], 0x4321
    mov al, [TEST_DATA + 9]
    CHECK8 "mov al, moffs", al, 0x43
    mov ax, [TEST_DATA + 8]
    CHECK "mov ax, moffs", ax, 0x4321
    mov al, 0x99
    mov [TEST_DATA + 10], al
    mov ax, 0x8765
    mov [TEST_DATA + 12], ax
    CHECK8 "mov moffs, al", byte [TEST_DATA + 10], 0x99
    CHECK "mov moffs, ax", word [TEST_DATA + 12], 0x8765
    ; moffs honours a segment override.
    mov ax, (TEST_DATA + 0x20) >> 4
    mov es, ax
    mov ax, 0xbeef
    mov [es:0], ax
    mov ax, 0
    mov es, ax
    CHECK "mov es:moffs, ax", word [TEST_DATA + 0x20], 0xbeef
    ; 8C/8E: segment registers, to and from registers and memory.
    mov ax, 0x1234
    mov es, ax
    mov bx, es
    CHECK "mov es, ax / mov bx, es", bx, 0x1234
    mov [TEST_DATA + 14], es
    CHECK "mov [m], es", word [TEST_DATA + 14], 0x1234
    mov word [TEST_DATA + 16], TEST_DATA >> 4
    mov es, [TEST_DATA + 16]
    mov byte [TEST_DATA + 0x30], 0xa5
    mov al, [es:0x30]
    mov cx, es
    CHECK "mov es, [m]", cx, TEST_DATA >> 4
    CHECK8 "mov es, [m]: new base used", al, 0xa5
    mov ax, 0
    mov es, ax
    mov ax, cs
    CHECK "mov ax, cs", ax, ROM_SEG
    mov ax, ss
    CHECK "mov ax, ss", ax, 0
    ; A new DS base takes effect at once.
    mov word [TEST_DATA + 0x40], 0x6789
    mov ax, (TEST_DATA + 0x40) >> 4
    mov ds, ax
    mov bx, [0]
    mov ax, 0
    mov ds, ax
    CHECK "mov ds: new base", bx, 0x6789
    KEEPS_FLAGS mov, mov ax, 0
    KEEPS_FLAGS mov sreg, mov es, ax

    AREA "xchg"
    mov ax, 0x1111
    mov bx, 0x2222
    xchg ax, bx                     ; 90+r
    CHECK "xchg ax, bx: ax", ax, 0x2222
    CHECK "xchg ax, bx: bx", bx, 0x1111
    mov si, 0x3333
    xchg si, ax
    CHECK "xchg si, ax: si", si, 0x2222
    CHECK "xchg si, ax: ax", ax, 0x3333
    mov cx, 0x4455
    xchg ch, cl                     ; 86 between two halves
    CHECK "xchg ch, cl", cx, 0x5544
    mov word [TEST_DATA], 0xaaaa
    mov dx, 0x5555
    xchg [TEST_DATA], dx            ; 87 with memory
    CHECK "xchg [m], dx: dx", dx, 0xaaaa
    CHECK "xchg [m], dx: [m]", word [TEST_DATA], 0x5555
    mov bl, 0x01
    xchg bl, [TEST_DATA + 1]
    CHECK8 "xchg bl, [m]: bl", bl, 0x55
    CHECK8 "xchg bl, [m]: [m]", byte [TEST_DATA + 1], 0x01
    mov ax, 0x7777
    xchg ax, ax                     ; 90 is nop
    CHECK "xchg ax, ax", ax, 0x7777
    KEEPS_FLAGS xchg, xchg ax, bx
    KEEPS_FLAGS nop, nop

    AREA "lea"
    mov bx, 0x1000
    mov si, 0x0234
    mov di, 0x0010
    mov bp, 0x2000
    lea ax, [bx + si + 5]
    CHECK "lea [bx+si+5]", ax, 0x1239
    lea cx, [bp + di - 1]
    CHECK "lea [bp+di-1]", cx, 0x200f
    lea dx, [0x4321]
    CHECK "lea [disp16]", dx, 0x4321
    lea si, [si + 0x0100]
    CHECK "lea si, [si+disp16]", si, 0x0334
    ; Effective addresses are 16-bit: the sum wraps, no memory is read.
    mov bx, 0xffff
    mov di, 0x0003
    lea ax, [bx + di]
    CHECK "lea wraps at 64K", ax, 0x0002
    ; A segment override does not change the offset.
    lea ax, [es:bx + 1]
    CHECK "lea with es:", ax, 0x0000
    KEEPS_FLAGS lea, lea ax, [bx + di]

    AREA "cbw/cwd"
    mov ax, 0x127f
    cbw
    CHECK "cbw 7f", ax, 0x007f
    mov ax, 0x0080
    cbw
    CHECK "cbw 80", ax, 0xff80
    mov dx, 0x1234
    mov ax, 0x7fff
    cwd
    CHECK "cwd 7fff: dx", dx, 0x0000
    CHECK "cwd 7fff: ax", ax, 0x7fff
    mov ax, 0x8000
    cwd
    CHECK "cwd 8000: dx", dx, 0xffff
    KEEPS_FLAGS cbw, cbw
    KEEPS_FLAGS cwd, cwd

    AREA "push/pop"
    mov [TEST_DATA + 0x50], sp
    mov ax, 0xa0a0
    mov bx, 0xb0b0
    push ax                         ; 50+r
    push bx
    mov ax, sp
    mov cx, [TEST_DATA + 0x50]
    sub cx, ax
    CHECK "two pushes move sp by 4", cx, 4
    mov bp, sp
    CHECK "push: last value on top", word [bp], 0xb0b0
    CHECK "push: first value below", word [bp + 2], 0xa0a0
    pop si                          ; 58+r, in reverse order
    pop di
    CHECK "pop si", si, 0xb0b0
    CHECK "pop di", di, 0xa0a0
    mov ax, sp
    CHECK "pops restore sp", ax, [TEST_DATA + 0x50]
    ; push imm16 (68) and imm8 sign-extended (6A).
    push word 0x1234
    push byte -2
    push byte 0x7f
    pop ax
    pop bx
    pop cx
    CHECK "push imm8 0x7f", ax, 0x007f
    CHECK "push imm8 -2 (sign-extended)", bx, 0xfffe
    CHECK "push imm16", cx, 0x1234
    ; push [m] (FF /6) and pop [m] (8F /0).
    mov word [TEST_DATA + 0x52], 0x5a5a
    push word [TEST_DATA + 0x52]
    pop word [TEST_DATA + 0x54]
    CHECK "push [m] / pop [m]", word [TEST_DATA + 0x54], 0x5a5a
    ; pop [bp]: BP-based addressing goes through SS.
    push word 0x6b6b
    mov bp, TEST_DATA + 0x56
    pop word [bp]
    CHECK "pop [bp]", word [TEST_DATA + 0x56], 0x6b6b
    ; push sp pushes the value SP had before the push (80286 and later).
    mov cx, sp
    push sp
    pop bx
    CHECK "push sp pushes the old sp", bx, cx
    ; Segment registers (06/07, 0E, 16/17, 1E/1F).
    mov ax, 0x0123
    mov es, ax
    push es
    push cs
    mov ax, 0
    mov es, ax
    pop ax
    pop ds
    mov bx, ds
    push word 0
    pop ds
    CHECK "push cs / pop ax", ax, ROM_SEG
    CHECK "push es / pop ds", bx, 0x0123
    push ss
    pop ax
    CHECK "push ss", ax, 0
    push ss
    pop ss
    mov ax, sp
    CHECK "pop ss keeps the stack", ax, [TEST_DATA + 0x50]
    KEEPS_FLAGS push/pop, push ax
    pop ax
    pop ax

    AREA "flag instructions"
    push word 0
    popf
    stc
    CHECKF "stc", F_ARITH, F_CF
    cmc
    CHECKF "cmc 1->0", F_ARITH, 0
    cmc
    CHECKF "cmc 0->1", F_ARITH, F_CF
    push word F_ARITH
    popf
    clc
    CHECKF "clc", F_ARITH, F_ARITH & ~F_CF
    std
    CHECKF "std", F_DF, F_DF
    cld
    CHECKF "cld", F_DF, 0
    ; STI/CLI: mask both 8259s first, so no interrupt is taken in the
    ; window where IF = 1 (nothing programmed their vectors).
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    sti
    nop
    CHECKF "sti", F_IF, F_IF
    cli
    CHECKF "cli", F_IF, 0

    FINISH

    ROM_END
