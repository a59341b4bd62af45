; smc.asm - self-modifying code.  Routines are copied from the ROM into RAM
; and run there; the RAM copy is then rewritten and must run as rewritten:
; - between two calls (an earlier translation of the code must be dropped);
; - by a store to the very next instruction in the same straight-line code
;   (SDM Vol 3A §11.6 "Self-Modifying Code": a write to a code byte that is
;   about to execute is seen by the processor, here without even a jump);
; - next to data it writes in the same 64-byte code granule and page.
%include "lib.inc"

CODE_SEG    equ 0x0200                  ; RAM code runs at CODE_SEG:0
CODE_LIN    equ CODE_SEG * 16           ; ... which is 0000:2000 for data

; LOAD_ROUTINE first, end: copies ROM bytes [first, end) to CODE_SEG:0.
%macro LOAD_ROUTINE 2
    push si
    push di
    push cx
    mov si, %1
    mov di, CODE_LIN
    mov cx, %2 - %1
    cs rep movsb
    pop cx
    pop di
    pop si
%endmacro

start:
    TEST_INIT

    AREA "patch between calls"
    LOAD_ROUTINE rt_value, rt_value_end
    mov ax, 0
    call CODE_SEG:0
    CHECK "first call", ax, 0x1234
    ; Rewrite the immediate of "mov ax, imm16" (B8 iw) with a plain store.
    mov word [CODE_LIN + 1], 0x5678
    mov ax, 0
    call CODE_SEG:0
    CHECK "after patching the immediate", ax, 0x5678
    ; Rewrite it once more, through a string store.
    mov si, new_imm
    mov di, CODE_LIN + 1
    mov cx, 2
    cs rep movsb
    call CODE_SEG:0
    CHECK "after rep movsb patch", ax, 0xabcd
    ; Make the code hot, then rewrite one byte of it.
    mov cx, 200
.hot:
    call CODE_SEG:0
    loop .hot
    mov byte [CODE_LIN + 2], 0x00
    call CODE_SEG:0
    CHECK "after patching hot code", ax, 0x00cd
    ; Replace the whole routine by a different one at the same address.
    LOAD_ROUTINE rt_double, rt_double_end
    mov ax, 0
    call CODE_SEG:0
    CHECK "replaced routine", ax, 0x2222

    AREA "patch the next instruction"
    ; The store rewrites the immediate of the instruction right after it.
    LOAD_ROUTINE rt_next_imm, rt_next_imm_end
    mov ax, 0
    call CODE_SEG:0
    CHECK8 "store to next insn's immediate", al, 0x22
    ; The store turns the next instruction's opcode from inc into dec.
    LOAD_ROUTINE rt_next_opcode, rt_next_opcode_end
    call CODE_SEG:0
    CHECK "store to next insn's opcode", ax, 4
    ; The store rewrites an instruction a few instructions further on.
    LOAD_ROUTINE rt_later, rt_later_end
    call CODE_SEG:0
    CHECK "store to a later insn", bx, 0x0077
    ; STOSB (ES = CS) rewrites the next opcode.
    LOAD_ROUTINE rt_stos, rt_stos_end
    call CODE_SEG:0
    CHECK "stosb to next insn's opcode", ax, 0x0047
    ; Run each once more from a fresh copy: nothing cached from the runs
    ; above may leak into this one.
    LOAD_ROUTINE rt_next_imm, rt_next_imm_end
    mov ax, 0
    call CODE_SEG:0
    CHECK8 "fresh copy: next insn's immediate", al, 0x22
    LOAD_ROUTINE rt_next_opcode, rt_next_opcode_end
    call CODE_SEG:0
    CHECK "fresh copy: next insn's opcode", ax, 4

    AREA "data beside code"
    ; The routine counts its calls in a word right after its code (same
    ; 64-byte granule): those stores must neither break the code nor be lost.
    LOAD_ROUTINE rt_counter, rt_counter_end
    mov cx, 300
.count:
    call CODE_SEG:0
    loop .count
    CHECK "counter beside the code", ax, 300
    ; Stores elsewhere on the page leave the code as it was...
    mov cx, 64
    mov di, CODE_LIN + 0x800
.fill:
    mov word [di], 0x5a5a
    add di, 2
    loop .fill
    call CODE_SEG:0
    CHECK "after stores elsewhere on the page", ax, 301
    ; ...and a store into it still takes effect: inc word becomes dec word
    ; (ModRM /0 -> /1).
    mov byte [CODE_LIN + rt_counter.modrm - rt_counter], 0x0e
    call CODE_SEG:0
    CHECK "after patching beside its data", ax, 300

    FINISH

; ------------------------------------------------------------------------
; Routines copied to CODE_SEG:0.  They are position independent: offsets
; inside a routine are written as (label - routine start).

rt_value:
    mov ax, 0x1234
    retf
rt_value_end:

new_imm:    dw 0xabcd

rt_double:
    mov ax, 0x1111
    add ax, ax
    retf
rt_double_end:

rt_next_imm:
    mov byte [cs:rt_next_imm.site - rt_next_imm + 1], 0x22
.site:
    mov al, 0x11
    retf
rt_next_imm_end:

rt_next_opcode:
    mov ax, 5
    mov byte [cs:rt_next_opcode.site - rt_next_opcode], 0x48   ; dec ax
.site:
    inc ax
    retf
rt_next_opcode_end:

rt_later:
    mov bx, 0
    mov byte [cs:rt_later.site - rt_later + 1], 0x77
    nop
    add bx, 0
    nop
.site:
    mov bl, 0x11
    retf
rt_later_end:

rt_stos:
    push es
    push di
    mov ax, cs
    mov es, ax
    mov di, rt_stos.site - rt_stos
    mov ax, 0x0048                  ; AL = 0x48, the opcode of dec ax
    cld
    stosb
.site:
    inc ax                          ; runs as dec ax: AX = 0x0047
    pop di
    pop es
    retf
rt_stos_end:

rt_counter:
    db 0x2e, 0xff                   ; inc word [cs:disp16] (FF /0)
.modrm:
    db 0x06
    dw rt_counter.data - rt_counter
    mov ax, [cs:rt_counter.data - rt_counter]
    retf
.data:
    dw 0
rt_counter_end:

    ROM_END
