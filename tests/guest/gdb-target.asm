; gdb-target.asm - a Multiboot kernel for the gdb stub tests (tests/gdb/): a known
; loop at fixed addresses that the tests break on, step through and watch. It never
; ends; the tests kill it. No .expect file: the guest-test runner ignores it.
;
;   0x00100040  loop_top: increments the dword `counter`, calls `tick`, loops
;   0x00100080  tick: adds 3 to the dword `ticks3`, returns
;   0x00100100  counter (written once per loop)
;   0x00100104  ticks3
;   0x00100108  poke: a dword the tests write through gdb
;   0x001000c0  fault_insn: ud2, never reached by the loop (the tests step it)
;   0x001000d0  ud_handler: the #UD handler (IDT gate 6), skips the ud2 and returns
;   0x001000e0  irq_handler: IRQ 0 (8254 timer, ~10 kHz, vector 0x20): counts in irqs
;   0x0010010c  irqs
[bits 32]
org 0x100000

MB_MAGIC equ 0x1badb002
MB_FLAGS equ 0x00010003                 ; page-align modules, memory info, address fields

header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
    dd header, header, end_of_image, end_of_bss, start

start:
    jmp setup                           ; past the fixed addresses
    times 0x40 - ($ - $$) nop

loop_top:                               ; 0x100040
    inc dword [counter]
    call tick
    mov ecx, [counter]
    jmp loop_top
    times 0x80 - ($ - $$) nop

tick:                                   ; 0x100080
    add dword [ticks3], 3
    ret
    times 0xc0 - ($ - $$) nop

fault_insn:                             ; 0x1000c0
    ud2
    times 0xd0 - ($ - $$) nop

ud_handler:                             ; 0x1000d0: #UD is a fault (SDM 3A §6.15): the
    add dword [esp], 2                  ; return address is the ud2 itself
    iret
    times 0xe0 - ($ - $$) nop

irq_handler:                            ; 0x1000e0
    inc dword [irqs]
    push eax
    mov al, 0x20                        ; non-specific EOI to the 8259
    out 0x20, al
    pop eax
    iret
    times 0x100 - ($ - $$) db 0

counter: dd 0                           ; 0x100100
ticks3:  dd 0                           ; 0x100104
poke:    dd 0                           ; 0x100108
irqs:    dd 0                           ; 0x10010c

; The Multiboot loader's GDTR may point anywhere (Multiboot Specification 0.6.96
; §3.2): our own GDT, flat code at 0x10 and flat data at 0x18.
setup:
    lgdt [gdt_desc]
    jmp 0x10:.reload
.reload:
    mov ax, 0x18
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, stack_top
    xor eax, eax
    mov [counter], eax
    mov [ticks3], eax
    mov [poke], eax
    mov [irqs], eax
    lidt [idt_desc]
    ; Timer interrupts, so that the tests see single-steps hold them off. As in
    ; idle.asm: with the local APIC disabled (IA32_APIC_BASE bit 11) the 8259's INTR
    ; reaches the CPU directly (SDM 3A §11.4.3).
    mov ecx, 0x1b
    rdmsr
    and eax, ~0x800
    wrmsr
    mov al, 0x11                        ; 8259 ICW1: edge, ICW4 follows
    out 0x20, al
    out 0xa0, al
    mov al, 0x20                        ; ICW2: vectors 0x20 and 0x28
    out 0x21, al
    mov al, 0x28
    out 0xa1, al
    mov al, 0x04                        ; ICW3: slave on IRQ 2
    out 0x21, al
    mov al, 0x02
    out 0xa1, al
    mov al, 0x01                        ; ICW4: 8086 mode
    out 0x21, al
    out 0xa1, al
    mov al, 0xfe                        ; only IRQ 0
    out 0x21, al
    mov al, 0xff
    out 0xa1, al
    mov al, 0x34                        ; 8254 channel 0, mode 2, divisor 119 (~10 kHz)
    out 0x43, al
    mov al, 119
    out 0x40, al
    xor al, al
    out 0x40, al
    sti
    jmp loop_top

    align 8
gdt:
    dq 0, 0
    dq 0x00cf9a000000ffff               ; 0x10: code, base 0, 4 GiB, 32-bit
    dq 0x00cf92000000ffff               ; 0x18: data
gdt_desc:
    dw 4 * 8 - 1
    dd gdt

; An IDT with gate 6 (#UD) and gate 0x20 (IRQ 0): 32-bit interrupt gates.
%macro GATE 1
    dw (%1 - $$ + 0x100000) & 0xffff, 0x10
    db 0, 0x8e
    dw (%1 - $$ + 0x100000) >> 16
%endmacro
    align 8
idt:
    times 6 dq 0
    GATE ud_handler
    times 0x20 - 7 dq 0
    GATE irq_handler
idt_desc:
    dw 0x21 * 8 - 1
    dd idt
end_of_image:

    times 0x1000 - ($ - $$) db 0
stack:
    times 0x1000 db 0
stack_top:
end_of_bss:
