; string.asm - string instructions: rep movsb/movsw, rep stosb/stosw,
; lodsb/lodsw, repe cmpsb, repne scasb, DF=1 (backwards) forms, REP with
; CX = 0, segment overrides on the source (es:, cs:), 16-bit SI/DI wrap,
; and ins/outs through the UART scratch register.
;
; SDM Vol 2B "MOVS", "REP/REPE/REPNE": the source is DS:SI (DS can be
; overridden), the destination always ES:DI; SI/DI step by the operand
; size, up when DF = 0 and down when DF = 1; REP stops when CX = 0 (tested
; before each iteration), REPE/REPNE also when ZF no longer matches.
%include "lib.inc"

SRC     equ TEST_DATA               ; source buffer
DST     equ TEST_DATA + 0x100       ; destination buffer
BUF     equ TEST_DATA + 0x200       ; scratch

; FILL_BYTES addr, count, value: plain mov loop (no string instruction).
%macro FILL_BYTES 3
    push bx
    push cx
    mov bx, %1
    mov cx, %2
%%next:
    mov byte [bx], %3
    add bx, 1
    sub cx, 1
    jnz %%next
    pop cx
    pop bx
%endmacro

start:
    TEST_INIT

    AREA "movs"
    ; ROM -> RAM with a cs: override on the source.
    mov si, pattern
    mov di, SRC
    mov cx, pattern_len
    cs rep movsb
    CHECK "cs: rep movsb: si", si, pattern + pattern_len
    CHECK "cs: rep movsb: di", di, SRC + pattern_len
    CHECK "cs: rep movsb: cx", cx, 0
    CHECK8 "cs: rep movsb: first byte", byte [SRC], 'T'
    CHECK8 "cs: rep movsb: last byte", byte [SRC + pattern_len - 1], '!'
    ; RAM -> RAM, words.
    FILL_BYTES DST, 16, 0xee
    mov si, SRC
    mov di, DST
    mov cx, 4
    rep movsw
    CHECK "rep movsw: si", si, SRC + 8
    CHECK "rep movsw: di", di, DST + 8
    CHECK "rep movsw: cx", cx, 0
    CHECK "rep movsw: word 0", word [DST], 'Th'
    CHECK "rep movsw: word 3", word [DST + 6], 'ic'
    CHECK8 "rep movsw: byte after untouched", byte [DST + 8], 0xee
    ; A single movsb without REP.
    mov si, SRC + 4
    mov di, DST + 8
    movsb
    CHECK "movsb: si", si, SRC + 5
    CHECK "movsb: di", di, DST + 9
    CHECK8 "movsb: byte", byte [DST + 8], 'q'
    ; es: override on the source: ES:SI -> ES:DI, DS ignored.
    mov ax, 0x0100                  ; ES base 0x1000 = SRC
    mov es, ax
    mov ax, 0x0200                  ; a DS that would read elsewhere
    mov ds, ax
    mov si, 0
    mov di, DST - 0x1000
    mov cx, 3
    es rep movsb
    mov ax, 0
    mov ds, ax
    mov es, ax
    CHECK "es: rep movsb: bytes 0-1", word [DST], 'Th'
    CHECK8 "es: rep movsb: byte 2", byte [DST + 2], 'e'
    ; The destination segment is ES: with ES != DS the copy lands in ES.
    mov ax, 0x0110                  ; ES:0 = linear 0x1100 = DST
    mov es, ax
    mov si, SRC + 4
    mov di, 0x20
    mov cx, 2
    rep movsb
    mov ax, 0
    mov es, ax
    CHECK "rep movsb to ES:DI", word [DST + 0x20], 'qu'

    AREA "stos/lods"
    FILL_BYTES BUF, 16, 0x11
    mov di, BUF + 1
    mov al, 0xa5
    mov cx, 5
    rep stosb
    CHECK "rep stosb: di", di, BUF + 6
    CHECK "rep stosb: cx", cx, 0
    CHECK8 "rep stosb: first", byte [BUF + 1], 0xa5
    CHECK8 "rep stosb: last", byte [BUF + 5], 0xa5
    CHECK8 "rep stosb: byte before untouched", byte [BUF], 0x11
    CHECK8 "rep stosb: byte after untouched", byte [BUF + 6], 0x11
    mov di, BUF + 8
    mov ax, 0x1234
    mov cx, 3
    rep stosw
    CHECK "rep stosw: di", di, BUF + 14
    CHECK "rep stosw: word 0", word [BUF + 8], 0x1234
    CHECK "rep stosw: word 2", word [BUF + 12], 0x1234
    CHECK8 "rep stosw: byte after untouched", byte [BUF + 14], 0x11
    mov si, BUF + 12
    lodsw
    CHECK "lodsw: ax", ax, 0x1234
    CHECK "lodsw: si", si, BUF + 14
    mov ax, 0xffff
    mov si, SRC + 1
    lodsb
    CHECK "lodsb: ax (ah kept)", ax, 0xff00 | 'h'
    CHECK "lodsb: si", si, SRC + 2
    ; lodsb with a cs: override reads the ROM.
    mov si, pattern + 2
    cs lodsb
    CHECK8 "cs: lodsb", al, 'e'

    AREA "cmps/scas"
    ; "hello world" vs "hello_world": REPE stops after the mismatch at 5.
    mov si, str_hello_world
    mov di, DST
    mov cx, 11
    cs rep movsb                    ; DST = "hello world"
    mov si, str_hello_under
    mov di, SRC
    mov cx, 11
    cs rep movsb                    ; SRC = "hello_world"
    mov si, SRC
    mov di, DST
    mov cx, 11
    repe cmpsb
    ; '_' - ' ' = 0x3f: only PF.
    CHECKF "repe cmpsb mismatch: flags", F_ARITH, F_PF
    CHECK "repe cmpsb mismatch: si", si, SRC + 6
    CHECK "repe cmpsb mismatch: di", di, DST + 6
    CHECK "repe cmpsb mismatch: cx", cx, 5
    ; Equal for all of CX: ends with CX = 0, ZF = 1.
    mov si, SRC
    mov di, DST
    mov cx, 5
    repe cmpsb
    CHECKF "repe cmpsb equal: ZF", F_ZF, F_ZF
    CHECK "repe cmpsb equal: cx", cx, 0
    CHECK "repe cmpsb equal: si", si, SRC + 5
    ; cmpsw compares words: SI operand minus DI operand.
    mov word [BUF], 0x0001
    mov word [BUF + 2], 0x0002
    mov si, BUF
    mov di, BUF + 2
    cmpsw
    CHECKF "cmpsw 1-2: flags", F_ARITH, F_CF | F_SF | F_AF | F_PF
    CHECK "cmpsw: si", si, BUF + 2
    ; REPNE SCASB finds 'w' at index 6 of "hello world".
    mov di, DST
    mov al, 'w'
    mov cx, 11
    repne scasb
    CHECKF "repne scasb found: ZF", F_ZF, F_ZF
    CHECK "repne scasb found: di", di, DST + 7
    CHECK "repne scasb found: cx", cx, 4
    ; Not found: runs CX out, ZF = 0.
    mov di, DST
    mov al, 'z'
    mov cx, 11
    repne scasb
    CHECKF "repne scasb not found: ZF", F_ZF, 0
    CHECK "repne scasb not found: di", di, DST + 11
    CHECK "repne scasb not found: cx", cx, 0
    ; scasw without a prefix: AX minus ES:[DI].
    mov word [BUF], 0x8000
    mov di, BUF
    mov ax, 0x8000
    scasw
    CHECKF "scasw equal: flags", F_ARITH, F_ZF | F_PF
    CHECK "scasw: di", di, BUF + 2

    AREA "DF=1 (backwards)"
    ; Overlapping move up by 2 bytes, done from the end like memmove.
    FILL_BYTES BUF, 16, 0
    mov si, pattern
    mov di, BUF
    mov cx, 8
    cs rep movsb                    ; BUF = "The quic"
    std
    mov si, BUF + 7
    mov di, BUF + 9
    mov cx, 8
    rep movsb
    cld
    CHECK "std rep movsb: si", si, BUF - 1
    CHECK "std rep movsb: di", di, BUF + 1
    CHECK "std rep movsb: bytes 2-3", word [BUF + 2], 'Th'
    CHECK "std rep movsb: bytes 8-9", word [BUF + 8], 'ic'
    CHECK "std rep movsb: bytes 0-1 kept", word [BUF], 'Th'
    ; Words go down by 2.
    std
    mov di, BUF + 0x1e
    mov ax, 0xbeef
    mov cx, 3
    rep stosw
    mov si, BUF + 0x1e
    lodsw
    cld
    CHECK "std rep stosw: di", di, BUF + 0x18
    CHECK "std rep stosw: lowest word", word [BUF + 0x1a], 0xbeef
    CHECK "std lodsw: si", si, BUF + 0x1c
    ; Backwards scan finds the last 'o' of "hello world" (index 7).
    std
    mov di, DST + 10
    mov al, 'o'
    mov cx, 11
    repne scasb
    cld
    CHECK "std repne scasb: di", di, DST + 6
    CHECK "std repne scasb: cx", cx, 7

    AREA "rep with cx=0"
    ; CX is tested before the first iteration: nothing moves, nothing
    ; steps, and REPE CMPS leaves the flags alone.
    FILL_BYTES BUF, 4, 0x77
    mov si, SRC
    mov di, BUF
    mov cx, 0
    rep movsb
    CHECK "rep movsb cx=0: si", si, SRC
    CHECK "rep movsb cx=0: di", di, BUF
    CHECK8 "rep movsb cx=0: dest untouched", byte [BUF], 0x77
    mov al, 0
    rep stosb
    CHECK8 "rep stosb cx=0: dest untouched", byte [BUF], 0x77
    CHECK "rep stosb cx=0: di", di, BUF
    push word F_CF | F_ZF | F_SF
    popf
    repe cmpsb
    CHECKF "repe cmpsb cx=0: flags kept", F_ARITH, F_CF | F_ZF | F_SF
    CHECK "repe cmpsb cx=0: si", si, SRC
    push word F_OF
    popf
    repne scasb
    CHECKF "repne scasb cx=0: flags kept", F_ARITH, F_OF

    AREA "16-bit si/di wrap"
    ; Offsets wrap inside the segment: DS:FFFF then DS:0000.
    mov ax, 0x0100
    mov ds, ax
    mov es, ax
    mov byte [0xffff], 'A'
    mov byte [0x0000], 'B'
    mov si, 0xffff
    mov di, 0x0210
    mov cx, 2
    rep movsb
    mov di, 0xffff
    mov al, 'C'
    mov cx, 2
    rep stosb                       ; ES:FFFF and ES:0000
    mov ax, 0
    mov ds, ax
    CHECK "movsb wrap: si", si, 0x0001
    CHECK "movsb wrap: copied", word [0x1000 + 0x0210], 'AB'
    CHECK "stosb wrap: di", di, 0x0001
    CHECK8 "stosb wrap: byte at FFFF", byte [es:0xffff], 'C'
    CHECK8 "stosb wrap: byte at 0000", byte [0x1000], 'C'
    mov es, ax

    AREA "ins/outs"
    ; UART scratch register (16550A SCR, COM1 + 7) as a byte-wide port.
    mov dx, UART_SCR
    mov si, pattern
    mov cx, 3
    cs rep outsb                    ; writes 'T', 'h', 'e': SCR keeps 'e'
    CHECK "rep outsb: si", si, pattern + 3
    CHECK "rep outsb: cx", cx, 0
    in al, dx
    CHECK8 "rep outsb: last byte in SCR", al, 'e'
    mov al, 0x5c
    out dx, al
    FILL_BYTES BUF, 4, 0
    mov di, BUF
    mov cx, 3
    rep insb
    CHECK "rep insb: di", di, BUF + 3
    CHECK8 "rep insb: first", byte [BUF], 0x5c
    CHECK8 "rep insb: third", byte [BUF + 2], 0x5c
    CHECK8 "rep insb: no more", byte [BUF + 3], 0
    mov byte [BUF + 3], 0xc3
    std
    mov si, BUF + 3
    outsb
    cld
    CHECK "std outsb: si", si, BUF + 2
    in al, dx
    CHECK8 "std outsb: SCR", al, 0xc3

    FINISH

pattern:            db "The quick brown fox!"
pattern_len         equ $ - pattern
str_hello_world:    db "hello world"
str_hello_under:    db "hello_world"

    ROM_END
