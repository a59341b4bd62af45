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
    times 0x100 - ($ - $$) db 0

counter: dd 0                           ; 0x100100
ticks3:  dd 0                           ; 0x100104
poke:    dd 0                           ; 0x100108

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
    lidt [idt_desc]
    jmp loop_top

    align 8
gdt:
    dq 0, 0
    dq 0x00cf9a000000ffff               ; 0x10: code, base 0, 4 GiB, 32-bit
    dq 0x00cf92000000ffff               ; 0x18: data
gdt_desc:
    dw 4 * 8 - 1
    dd gdt

; An IDT with only gate 6 (#UD): a 32-bit interrupt gate to ud_handler.
    align 8
idt:
    times 6 dq 0
    dw (ud_handler - $$ + 0x100000) & 0xffff, 0x10
    db 0, 0x8e
    dw (ud_handler - $$ + 0x100000) >> 16
idt_desc:
    dw 7 * 8 - 1
    dd idt
end_of_image:

    times 0x1000 - ($ - $$) db 0
stack:
    times 0x1000 db 0
stack_top:
end_of_bss:
