; mb-boot.asm - Multiboot v1 direct boot (-kernel): the loader enters in flat 32-bit
; protected mode with EAX = 0x2BADB002 and EBX = the information structure
; (Multiboot Specification 0.6.96 §3.2, §3.3). Prints the command line (which, as in
; QEMU, starts with the kernel's file name: only the part after the first space is
; printed), the module count, and checks the memory fields and the memory map.
[bits 32]
org 0x100000

MB_MAGIC equ 0x1badb002
MB_FLAGS equ 0x00010003                 ; page-align modules, memory info, address fields

header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
    dd header, header, end_of_image, end_of_bss, start

start:
    mov esp, stack_top
    cmp eax, 0x2badb002
    jne fail
    mov ebp, ebx
    test dword [ebp], 1 << 2            ; cmdline present
    jz fail
    mov esi, [ebp + 16]
.skip_name:                             ; skip "path/to/kernel "
    lodsb
    test al, al
    jz fail
    cmp al, ' '
    jne .skip_name
    call lib_puts
    call lib_crlf
    ; mem_lower must be 639 KiB; mem_upper the RAM above 1 MiB (-m 32: up to 31 MiB;
    ; firmware may keep a little at the top for itself, as QEMU's SeaBIOS does)
    test dword [ebp], 1
    jz fail
    cmp dword [ebp + 4], 639
    jne fail
    cmp dword [ebp + 8], 31 * 1024
    ja fail
    cmp dword [ebp + 8], 30 * 1024
    jb fail
    ; memory map: first entry usable RAM at 0
    test dword [ebp], 1 << 6
    jz fail
    mov esi, [ebp + 48]
    cmp dword [esi], 20                 ; entry size
    jne fail
    cmp dword [esi + 4], 0              ; base low
    jne fail
    cmp dword [esi + 20], 1             ; type: available
    jne fail
    ; modules: none were given (QEMU sets the flag with a count of 0)
    test dword [ebp], 1 << 3
    jz fail
    cmp dword [ebp + 20], 0
    jne fail
    mov esi, msg_ok
    call lib_puts
    mov al, 0
    out 0xf4, al
fail:
    mov esi, msg_fail
    call lib_puts
    mov al, 1
    out 0xf4, al
    hlt

%include "serial32.inc"

msg_ok:   db "multiboot: ok", 13, 10, 0
msg_fail: db "multiboot: FAIL", 13, 10, 0

align 16
end_of_image:
    times 1024 db 0
stack_top:
end_of_bss:
