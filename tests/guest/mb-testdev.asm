; mb-testdev.asm - QEMU's test devices as kvm-unit-tests uses them.
; pc-testdev (QEMU hw/misc/pc-testdev.c): the scratch register at ports
; 0xe0-0xe3 (any width, any byte lane) and 0xe8-0xeb (split into bytes), its
; device memory at 0xff000000 (plain and string moves), and its interrupt
; lines at 0x2000 + N (ISA IRQ 3 seen in the master 8259's IRR).
; pci-testdev (QEMU hw/misc/pci-testdev.c): found on bus 0 by its IDs, BAR
; sizes, BARs placed by the kernel itself, and the six test records run as
; kvm-unit-tests' pci_testdev_one does (the count is 16 after 16 writes, or 0
; when QEMU hands the writes to an eventfd).
; Run with -device pc-testdev -device pci-testdev (NAME.args).
%include "lib32.inc"

IOMEM           equ 0xff000000
BAR0_ADDR       equ 0xe0000000          ; where the kernel puts pci-testdev's BARs
BAR1_ADDR       equ 0xe000
PCI_ADDR        equ 0xcf8
PCI_DATA        equ 0xcfc
NR_WRITES       equ 16

start:
    AREA "pc-testdev ports"
    mov dx, 0xe0
    mov eax, 0x12345678
    out dx, eax
    in eax, dx
    CHECK "0xe0 dword", eax, 0x12345678
    mov dx, 0xe2
    in ax, dx
    movzx eax, ax
    CHECK "0xe2 word", eax, 0x1234
    mov dx, 0xe1
    mov al, 0xab
    out dx, al
    mov dx, 0xe0
    in eax, dx
    CHECK "0xe1 byte lane", eax, 0x1234ab78
    mov dx, 0xe8
    in eax, dx
    CHECK "0xe8 dword", eax, 0x1234ab78
    mov dx, 0xea
    mov ax, 0xcdef
    out dx, ax
    mov dx, 0xe0
    in eax, dx
    CHECK "0xea word", eax, 0xcdefab78
    mov dx, 0xeb
    in al, dx
    movzx eax, al
    CHECK "0xeb byte", eax, 0xcd

    AREA "pc-testdev memory"
    mov dword [IOMEM], 0xdeadbeef
    mov dword [IOMEM + 4], 0x01020304
    CHECK "iomem dword", [IOMEM], 0xdeadbeef
    movzx eax, word [IOMEM + 2]
    CHECK "iomem word", eax, 0xdead
    mov byte [IOMEM + 1], 0x55
    CHECK "iomem byte write", [IOMEM], 0xdead55ef
    ; string moves through device memory
    mov esi, pattern
    mov edi, IOMEM + 0x100
    mov ecx, 4
    rep movsd
    mov esi, IOMEM + 0x100
    mov edi, TEST_RAM
    mov ecx, 16
    rep movsb
    CHECK "movs back 0", [TEST_RAM], 0x11223344
    CHECK "movs back 12", [TEST_RAM + 12], 0xccddeeff
    mov eax, [IOMEM + 0xfffc]
    mov dword [IOMEM + 0xfffc], 0x5a5a5a5a
    CHECK "iomem last dword", [IOMEM + 0xfffc], 0x5a5a5a5a

    AREA "pc-testdev irq"
    ; Raise ISA IRQ 3 and read the master 8259's IRR (OCW3: read IRR).
    mov al, 0x0a
    out 0x20, al
    mov dx, 0x2000 + 3
    mov al, 1
    out dx, al
    in al, 0x20
    movzx eax, al
    CHECK_MASKED "irq 3 raised: IRR", eax, 1 << 3, 1 << 3
    mov al, 0
    out dx, al

    AREA "pci-testdev"
    call find_testdev
    CHECK "found 1b36:0005", ebx, 1
    test ebx, ebx
    jz .pci_done
    mov ebp, eax                        ; config address of function 0
    lea eax, [ebp + 0x08]
    call cfg_read
    shr eax, 8
    CHECK "class", eax, 0x00ff00
    ; BAR sizes: all ones, then read back the mask
    lea eax, [ebp + 0x10]
    mov ecx, 0xffffffff
    call cfg_write
    call cfg_read
    and eax, ~0xf
    neg eax
    CHECK "bar0 size", eax, 4096
    lea eax, [ebp + 0x14]
    mov ecx, 0xffffffff
    call cfg_write
    call cfg_read
    mov ebx, eax
    and ebx, 1
    CHECK "bar1 is i/o", ebx, 1
    and eax, 0xfffc
    neg eax
    and eax, 0xffff
    CHECK "bar1 size", eax, 256
    ; place the BARs and turn on decoding
    lea eax, [ebp + 0x10]
    mov ecx, BAR0_ADDR
    call cfg_write
    lea eax, [ebp + 0x14]
    mov ecx, BAR1_ADDR
    call cfg_write
    lea eax, [ebp + 0x04]
    mov ecx, 3                          ; I/O and memory space
    call cfg_write
    ; the three tests of each BAR
    xor ebx, ebx
.mmio_tests:
    mov esi, mmio_ops
    call run_test
    inc ebx
    cmp ebx, 3
    jb .mmio_tests
    xor ebx, ebx
.pio_tests:
    mov esi, pio_ops
    call run_test
    inc ebx
    cmp ebx, 3
    jb .pio_tests
.pci_done:
    FINISH

; run_test: runs test EBX (0-2) of the BAR whose accessors ESI points to
; (read byte at EDX -> AL, write AL at EDX; EDX an offset in the BAR).
run_test:
    pushad
    mov al, bl
    xor edx, edx
    call [esi + 4]                      ; select
    xor edx, edx
    call [esi]
    movzx eax, al
    mov ecx, ebx
    add ecx, [esi + 8]                  ; test number: 0-2 memory, 3-5 I/O
    CHECK "test number", eax, ecx
    mov edx, 12
    call read_dword
    CHECK "count before", eax, 0
    mov edx, 1
    call [esi]
    movzx eax, al
    CHECK "width", eax, 1
    mov edx, 4
    call read_dword
    mov edi, eax                        ; offset
    mov ecx, [esi + 12]
    add ecx, ebx
    add ecx, [esi + 8]
    CHECK "offset", edi, ecx
    ; the name: "mmio-" or "portio-" then the kind, as a string at 16
    mov edx, 16
    call read_dword
    CHECK "name", eax, [esi + 16]
    mov edx, 8
    call [esi]
    mov ah, al                          ; the data byte
    mov ecx, NR_WRITES
.write:
    mov al, ah
    mov edx, edi
    call [esi + 4]
    loop .write
    mov edx, 12
    call read_dword
    test eax, eax
    jz .ok                              ; QEMU's eventfd took them
    CHECK "count after", eax, NR_WRITES
.ok:
    popad
    ret

; read_dword: EAX = the little-endian dword at offset EDX of the BAR (ESI).
read_dword:
    push ecx
    push edx
    xor ecx, ecx
    add edx, 3
.byte:
    shl ecx, 8
    call [esi]
    mov cl, al
    dec edx
    cmp edx, [esp]
    jge .byte
    mov eax, ecx
    pop edx
    pop ecx
    ret

mmio_read:
    mov al, [BAR0_ADDR + edx]
    ret
mmio_write:
    mov [BAR0_ADDR + edx], al
    ret
pio_read:
    push edx
    add edx, BAR1_ADDR
    in al, dx
    pop edx
    ret
pio_write:
    push edx
    add edx, BAR1_ADDR
    out dx, al
    pop edx
    ret

; accessors, first test number, test offset base, first 4 name bytes
mmio_ops:   dd mmio_read, mmio_write, 0, 2048, 'mmio'
pio_ops:    dd pio_read, pio_write, 3, 128, 'port'

; find_testdev: scans bus 0 for vendor 1b36 device 0005. EBX = 1 and EAX = its
; configuration address (0x80000000 | devfn << 8) when found, EBX = 0 otherwise.
find_testdev:
    mov eax, 0x80000000
.slot:
    push eax
    call cfg_read
    cmp eax, 0x00051b36
    pop eax
    je .found
    add eax, 1 << 11
    cmp eax, 0x80000000 + (32 << 11)
    jb .slot
    xor ebx, ebx
    ret
.found:
    mov ebx, 1
    ret

; cfg_read: EAX = configuration dword at address EAX (mechanism #1).
cfg_read:
    push edx
    mov dx, PCI_ADDR
    out dx, eax
    mov dx, PCI_DATA
    in eax, dx
    pop edx
    ret

; cfg_write: writes ECX to configuration address EAX; EAX is kept.
cfg_write:
    push edx
    push eax
    mov dx, PCI_ADDR
    out dx, eax
    mov eax, ecx
    mov dx, PCI_DATA
    out dx, eax
    pop eax
    pop edx
    ret

align 4
pattern:    dd 0x11223344, 0x55667788, 0x99aabbcc, 0xccddeeff

    KERNEL_END
