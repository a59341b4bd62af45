; idle.asm - a guest that never ends, for the QMP end-to-end test (tests/qmp/): it
; prints one line, then counts 8254 timer ticks (IRQ 0 at 100 Hz through the 8259 PIC)
; in the dword at TICKS while halting between them. The test reads TICKS with "xp" to
; see whether the guest runs. No .expect file: the guest-test runner ignores it.
%include "lib.inc"

TICKS equ TEST_DATA             ; dword: IRQ 0 count

start:
    TEST_INIT
    mov word [TICKS], 0
    mov word [TICKS + 2], 0
    ; As in irq.asm: disabling the local APIC (IA32_APIC_BASE bit 11) connects the
    ; 8259's INTR straight to the CPU (SDM 3A §11.4.3).
    mov ecx, 0x1b
    rdmsr
    and ax, 0xf7ff
    wrmsr
    SET_VECTOR 0x08, irq0_handler
    ; 8259 PICs: only IRQ 0 unmasked
    PIC_INIT 0xfe, 0xff
    ; 8254 channel 0, mode 2, divisor 11932: 100 Hz (1193182 Hz input clock)
    mov al, 0x34
    out 0x43, al
    mov ax, 11932
    out 0x40, al
    mov al, ah
    out 0x40, al
    PRINTLN "idle: counting ticks"
    sti
.idle:
    hlt
    jmp .idle

irq0_handler:
    push ax
    add word [ss:TICKS], 1
    adc word [ss:TICKS + 2], 0
    mov al, 0x20                ; non-specific EOI
    out 0x20, al
    pop ax
    iret

    ROM_END
