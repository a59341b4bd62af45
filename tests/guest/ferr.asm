; ferr.asm - x87 errors with CR0.NE = 0 (the reset value), reported the PC/AT way:
; FERR# raises IRQ 13 through the slave 8259 (SDM Vol 1 Appendix D, MS-DOS
; compatibility mode); a write to port 0xF0 removes it, and it comes again only after
; FNCLEX or FNINIT has cleared the error (FERR# inactive). The waiting instruction
; goes on. (IRQ 13 is edge-triggered on the PIIX: its ELCR bit is reserved, so the
; port 0xF0 write itself has no effect the 8259 shows.) QEMU 7.2 aborts on this ROM
; (its FERR# path raises IRQ 13 without its global lock; fixed in later versions).
%include "lib.inc"

IRQ13_COUNT equ TEST_DATA        ; word: IRQ 13 interrupts taken
CW_ZM_OFF   equ TEST_DATA + 4    ; word: FCW with ZM clear (divide-by-zero unmasked)
AFTER       equ TEST_DATA + 6    ; word: set by the code after the waiting instruction

start:
    TEST_INIT
    mov word [IRQ13_COUNT], 0
    mov word [CW_ZM_OFF], 0x037b
    ; the 8259's INTR reaches the CPU directly with the local APIC off (irq.asm)
    mov ecx, 0x1b
    rdmsr
    and ax, 0xf7ff
    wrmsr
    SET_VECTOR 0x75, irq13_handler ; slave base 0x70 + 5

    ; 8259 PICs: master IRQ 2 (cascade) and slave IRQ 13 only
    PIC_INIT 0xfb, 0xdf

    AREA "cr0.ne clear"
    mov eax, cr0
    and eax, 0x20               ; NE
    CHECK "NE after reset", ax, 0

    AREA "irq13 on fwait"
    fninit
    fldcw [CW_ZM_OFF]
    fld1
    fldz
    fdivp st1, st0              ; 1/0: ZE with ZM clear -> ES, nothing delivered yet
    fnstsw ax
    and ax, 0x0084              ; ES | ZE
    CHECK "ES and ZE pending", ax, 0x0084
    CHECK "no irq before a waiting instruction", word [IRQ13_COUNT], 0
    sti
    fwait                       ; reports the error on FERR# -> IRQ 13
    nop
    cli
    CHECK "one irq13", word [IRQ13_COUNT], 1

    AREA "cleared by port f0"
    sti
    fwait                       ; FERR# still active: no new edge
    fld1
    fstp st0
    nop
    cli
    CHECK "no second irq13", word [IRQ13_COUNT], 1

    AREA "again after fnclex"
    fnclex                      ; FERR# inactive
    fld1
    fldz
    fdivp st1, st0
    sti
    fwait
    nop
    cli
    CHECK "second irq13", word [IRQ13_COUNT], 2

    AREA "masked irq waits"
    fnclex
    fld1
    fldz
    fdivp st1, st0
    mov word [AFTER], 0
    fwait                       ; interrupts off: the instruction still completes
    mov word [AFTER], 1
    CHECK "instruction went on", word [AFTER], 1
    CHECK "not taken with IF clear", word [IRQ13_COUNT], 2
    sti
    nop
    cli
    CHECK "taken once IF is set", word [IRQ13_COUNT], 3

    AREA "fninit ends ferr"
    fninit
    fldcw [CW_ZM_OFF]
    fld1
    fldz
    fdivp st1, st0
    sti
    fwait
    nop
    cli
    CHECK "irq13 after fninit", word [IRQ13_COUNT], 4
    fninit

    FINISH

irq13_handler:
    push ax
    add word [ss:IRQ13_COUNT], 1
    xor al, al
    out 0xf0, al                ; clear IRQ 13 (and assert IGNNE#)
    mov al, 0x20
    out 0xa0, al                ; EOI slave, then master
    out 0x20, al
    pop ax
    iret

    ROM_END
