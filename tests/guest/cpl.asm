; cpl.asm - the current privilege level right after MOV CR0 sets PE. The processor
; keeps running at CPL 0 until the far jump that loads a protected-mode CS (SDM 3A
; §9.9.1), whatever the low two bits of the real-mode CS selector are: the CPL is
; not CS.RPL at that point (an emulator that derives the CPL from the CS selector
; runs this code at CPL 3 and faults on the first privileged instruction).
;
; The code runs with CS = EFFFh (RPL 3; base EFFF0h, so the same bytes are at
; offset + 10h), sets PE, then, still in that CS: reads CR0 (privileged), lets POPF
; set IOPL (only CPL 0 can, SDM Vol 2B POPF), clears PE and jumps back to F000h.
; A fault there triple-faults (no protected-mode IDT); cpl.args has -no-reboot so
; that it ends the run instead of restarting the ROM.
%include "lib.inc"

RESULTS         equ TEST_DATA + 0x100
RES_CR0         equ RESULTS + 0         ; dword: CR0 read with PE set
RES_FLAGS       equ RESULTS + 4         ; dword: EFLAGS after POPF with IOPL 3
RES_CS          equ RESULTS + 8         ; word: CS in protected mode before any far jump
RPL3_SEG        equ ROM_SEG - 1         ; EFFFh: RPL 3, base 10h below the ROM's
IOPL3           equ 0x3000

start:
    TEST_INIT

    AREA "pe set with cs rpl 3"
    mov dword [RES_CR0], 0
    mov dword [RES_FLAGS], 0
    mov word [RES_CS], 0
    jmp RPL3_SEG:rpl3_code + 0x10

; Back in real mode with CS = F000h.
rm_back:
    mov ax, [RES_CR0]
    and ax, 1
    CHECK "cr0 read at cpl 0", ax, 1
    CHECK "cs still the real-mode selector", word [RES_CS], RPL3_SEG
    mov ax, [RES_FLAGS]
    and ax, IOPL3
    CHECK "popf set iopl at cpl 0", ax, IOPL3
    pushf
    pop ax
    and ax, IOPL3
    CHECK "iopl back to 0", ax, 0

    FINISH

; Runs with CS = EFFFh: only relative jumps and absolute RAM addresses here.
rpl3_code:
    mov eax, cr0
    or eax, 1
    mov cr0, eax                        ; PE = 1, CS keeps its selector EFFFh
    mov eax, cr0                        ; #GP if the CPL were CS.RPL = 3
    mov [RES_CR0], eax
    mov [RES_CS], cs
    pushfd
    or dword [esp], IOPL3
    popfd                               ; IOPL changes only at CPL 0
    pushfd
    pop dword [RES_FLAGS]
    pushfd
    and dword [esp], ~IOPL3
    popfd
    and eax, 0xfffffffe
    mov cr0, eax                        ; back to real mode
    jmp ROM_SEG:rm_back

    ROM_END
