; ioport.asm - port I/O where no device decodes the address: reads float
; to all ones (0xFF for a byte, 0xFFFF for a word, as on an ISA bus with
; nothing driving it) and writes are dropped without side effects.
;
; The ports used here are unassigned in the PC port map and in QEMU's pc
; machine (checked): 0xe0 and 0xe2 (for the imm8 forms), 0x100, 0x120,
; 0x280, 0x2a0, 0x8000, 0xfff0.  A device later placed on one of them
; would have to move this test to other ports.
%include "lib.inc"

; PROBE_DX port: byte and word reads through DX must float high.
%macro PROBE_DX 1
    mov dx, %1
    mov ax, 0
    in al, dx
    CHECK8 %str(in al,dx port %1), al, 0xff
    mov ax, 0
    in ax, dx
    CHECK %str(in ax,dx port %1), ax, 0xffff
%endmacro

; WRITE_DX port: byte and word writes, then the port still reads 0xFF.
%macro WRITE_DX 1
    mov dx, %1
    mov al, 0x5a
    out dx, al
    mov ax, 0x1234
    out dx, ax
    mov ax, 0
    in al, dx
    CHECK8 %str(read after write port %1), al, 0xff
%endmacro

start:
    TEST_INIT

    AREA "reads float high"
    mov ax, 0
    in al, 0xe0
    CHECK8 "in al,imm8 0xe0", al, 0xff
    mov ax, 0
    in ax, 0xe2
    CHECK "in ax,imm8 0xe2", ax, 0xffff
    ; AH is not touched by a byte read.
    mov ax, 0x1200
    in al, 0xe0
    CHECK "in al keeps ah", ax, 0x12ff
    PROBE_DX 0x0100
    PROBE_DX 0x0120
    PROBE_DX 0x0280
    PROBE_DX 0x02a0
    PROBE_DX 0x8000
    PROBE_DX 0xfff0

    AREA "writes are harmless"
    ; A real register nearby keeps its value across the writes.
    mov dx, UART_SCR
    mov al, 0x3c
    out dx, al
    mov al, 0x77
    out 0xe0, al
    mov ax, 0x7777
    out 0xe2, ax
    in al, 0xe0
    CHECK8 "in after out imm8 0xe0", al, 0xff
    WRITE_DX 0x0100
    WRITE_DX 0x0120
    WRITE_DX 0x0280
    WRITE_DX 0x02a0
    WRITE_DX 0x8000
    WRITE_DX 0xfff0
    mov dx, UART_SCR
    in al, dx
    CHECK8 "UART SCR unaffected", al, 0x3c

    FINISH

    ROM_END
