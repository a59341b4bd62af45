; pvh-kernel.asm - a minimal ELF64 kernel with a PVH entry note, for tests/cli/pvh-boot.sh.
; Assembled as a flat file (nasm -f bin) that is its own ELF header, program headers
; and note: one PT_LOAD of the whole file (plus a BSS) at BASE, one PT_NOTE holding
; the "Xen" note of type 18 (XEN_ELFNOTE_PHYS32_ENTRY, xen/include/public/elfnote.h)
; whose descriptor is the 32-bit entry's physical address, 8 bytes as Linux writes it.
;
; The entry checks the machine state of Xen's docs/misc/pvh.pandoc (flat 32-bit
; protected mode, paging off, EBX = hvm_start_info) and the start_info fields
; (xen/include/public/arch-x86/hvm/start_info.h), printing on COM1 the command line,
; the first module's bytes and "pvh: ok", then exits through isa-debug-exit.
;
;   -DBASE=ADDR   where the segment loads (default 1 MiB)
;   -DNOTE_TYPE=N the note's type (another value than 18: an ELF without PVH entry)
[bits 32]

%ifndef BASE
%define BASE 0x100000
%endif
%ifndef NOTE_TYPE
%define NOTE_TYPE 18
%endif

COM1       equ 0x3f8
START_MAGIC equ 0x336ec578

org BASE

elf_header:
    db 0x7f, "ELF", 2, 1, 1, 0          ; ELFCLASS64, little-endian, version 1
    times 8 db 0
    dw 2                                ; ET_EXEC
    dw 62                               ; EM_X86_64
    dd 1
    dq start                            ; e_entry (PVH ignores it)
    dq program_headers - elf_header     ; e_phoff
    dq 0                                ; e_shoff
    dd 0                                ; e_flags
    dw 64, 56, 2                        ; e_ehsize, e_phentsize, e_phnum
    dw 64, 0, 0                         ; e_shentsize, e_shnum, e_shstrndx

program_headers:
    dd 1, 7                             ; PT_LOAD, RWX
    dq 0, BASE, BASE                    ; offset, vaddr, paddr
    dq end_of_file - elf_header         ; filesz
    dq end_of_bss - elf_header          ; memsz
    dq 0x1000
    dd 4, 4                             ; PT_NOTE, R
    dq note - elf_header, note, note
    dq end_of_note - note, end_of_note - note
    dq 4

note:
    dd 4, 8, NOTE_TYPE                  ; namesz, descsz, type
    db "Xen", 0
    dq start
end_of_note:

start:
    mov esp, stack_top
    mov ebp, ebx
    mov eax, cr0                        ; PE set, PG clear
    test eax, 1
    jz fail
    test eax, 0x80000000
    jnz fail
    pushfd                              ; IF clear
    pop eax
    test eax, 0x200
    jnz fail
    cmp dword [ebp], START_MAGIC
    jne fail
    cmp dword [ebp + 4], 1              ; version 1: the memory map is there
    jb fail
    mov esi, [ebp + 24]                 ; cmdline_paddr
    call print
    call newline
    cmp dword [ebp + 12], 1             ; nr_modules: the -initrd file
    jne fail
    mov ebx, [ebp + 16]                 ; modlist_paddr
    mov esi, [ebx]                      ; paddr
    mov ecx, [ebx + 8]                  ; size
    call print_counted
    mov esi, [ebp + 32]                 ; rsdp_paddr: an ACPI RSDP
    cmp dword [esi], "RSD "
    jne fail
    cmp dword [esi + 4], "PTR "
    jne fail
    cmp dword [ebp + 48], 1             ; memmap_entries
    jb fail
    mov esi, [ebp + 40]                 ; first entry: RAM at 0
    cmp dword [esi], 0
    jne fail
    cmp dword [esi + 16], 1
    jne fail
    cmp dword [bss_word], 0             ; the BSS part of the segment is zeroed
    jne fail
    mov esi, msg_ok
    call print
    mov al, 0
    out 0xf4, al
fail:
    mov esi, msg_fail
    call print
    mov al, 1
    out 0xf4, al
    hlt

print:                                  ; esi: NUL-terminated string
    mov dx, COM1
.next:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    ret

print_counted:                          ; esi: bytes, ecx: count
    mov dx, COM1
    jecxz .done
.next:
    lodsb
    out dx, al
    loop .next
.done:
    ret

newline:
    mov dx, COM1
    mov al, 10
    out dx, al
    ret

msg_ok:   db "pvh: ok", 10, 0
msg_fail: db "pvh: FAIL", 10, 0

align 16
end_of_file:
absolute end_of_file                    ; only in memsz: the loader zeroes it
bss_word:
    resb 1024
stack_top:
end_of_bss:
