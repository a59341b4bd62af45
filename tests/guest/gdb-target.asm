; gdb-target.asm - a Multiboot kernel for the gdb stub tests (tests/gdb/): a known
; loop at fixed addresses that the tests break on, step through and watch. It never
; ends; the tests kill it. No .expect file: the guest-test runner ignores it.
;
;   0x00100040  loop_top: increments the dword `counter`, calls `tick`, loops
;   0x00100080  tick: adds 3 to the dword `ticks3`, returns
;   0x00100100  counter (written once per loop)
;   0x00100104  ticks3
;   0x00100108  poke: a dword the tests write through gdb
[bits 32]
org 0x100000

MB_MAGIC equ 0x1badb002
MB_FLAGS equ 0x00010003                 ; page-align modules, memory info, address fields

header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
    dd header, header, end_of_image, end_of_bss, start

start:
    mov esp, stack_top
    xor eax, eax
    mov [counter], eax
    mov [ticks3], eax
    mov [poke], eax
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
    times 0x100 - ($ - $$) db 0

counter: dd 0                           ; 0x100100
ticks3:  dd 0                           ; 0x100104
poke:    dd 0                           ; 0x100108
end_of_image:

    times 0x1000 - ($ - $$) db 0
stack:
    times 0x1000 db 0
stack_top:
end_of_bss:
