; mb-fw-cfg.asm - QEMU's fw_cfg device (QEMU docs/specs/fw_cfg.rst) as a test
; kernel written for QEMU reads it: the signature and ID through the selector
; (0x510) and data (0x511) ports, the DMA register's signature, the well-known
; items (RAM size, CPU counts), the file directory and some of its files
; (etc/e820, the ACPI table loader, the SMBIOS anchor, etc/boot-fail-wait),
; transfers through the DMA interface (select + read, skip, a refused write, a
; buffer outside RAM), and the SMBIOS entry point where an OS scans for it
; (the 0xF0000 segment) with its structure table.
; Run with -m 64 -smp 2 (NAME.args).
%include "lib32.inc"

FW_CFG_SEL      equ 0x510
FW_CFG_DATA     equ 0x511
FW_CFG_DMA_HI   equ 0x514
FW_CFG_DMA_LO   equ 0x518

KEY_SIGNATURE   equ 0x00
KEY_ID          equ 0x01
KEY_RAM_SIZE    equ 0x03
KEY_NB_CPUS     equ 0x05
KEY_MAX_CPUS    equ 0x0f
KEY_FILE_DIR    equ 0x19

DMA_ERROR       equ 0x01
DMA_READ        equ 0x02
DMA_SKIP        equ 0x04
DMA_SELECT      equ 0x08
DMA_WRITE       equ 0x10

DMA_DESC        equ LOW_RAM             ; the FWCfgDmaAccess descriptor (16 bytes)
BUF             equ LOW_RAM + 0x100     ; DMA and port-read buffer
DIR_BUF         equ LOW_RAM + 0x1000    ; one directory entry (64 bytes)
NO_RAM          equ 0xd0000000          ; neither RAM nor a device

start:
    AREA "signature"
    mov ax, KEY_SIGNATURE
    call fw_select
    mov edi, BUF
    mov ecx, 4
    call fw_read
    CHECK "signature", [BUF], 'QEMU'
    mov dx, FW_CFG_DMA_HI
    in eax, dx
    CHECK "dma signature 0", eax, 'QEMU'
    mov dx, FW_CFG_DMA_LO
    in eax, dx
    CHECK "dma signature 4", eax, ' CFG'

    AREA "id"
    mov ax, KEY_ID
    call fw_select
    mov dx, FW_CFG_DATA
    in al, dx
    movzx eax, al
    CHECK_MASKED "id traditional+dma", eax, 3, 3

    AREA "items"
    mov ax, KEY_RAM_SIZE
    call fw_select
    mov edi, BUF
    mov ecx, 8
    call fw_read
    CHECK "ram size low", [BUF], 64 << 20
    CHECK "ram size high", [BUF + 4], 0
    mov ax, KEY_NB_CPUS
    call fw_select
    mov dx, FW_CFG_DATA
    in al, dx
    mov ah, al
    in al, dx
    xchg al, ah
    movzx eax, ax
    CHECK "nb cpus", eax, 2
    mov ax, KEY_MAX_CPUS
    call fw_select
    mov dx, FW_CFG_DATA
    in al, dx
    movzx eax, al
    CHECK "max cpus", eax, 2

    AREA "file directory"
    mov esi, name_e820
    call fw_find
    CHECK "etc/e820 found", ebx, 1
    xor edx, edx
    mov ecx, 20
    div ecx
    CHECK "etc/e820 size % 20", edx, 0
    ; one of the entries (QEMU may list a reserved one first) is RAM from 0
    mov ebp, eax                        ; entries left
    mov ax, [DIR_BUF + 4]
    xchg al, ah
    call fw_select
    xor ebx, ebx
.e820_entry:
    test ebp, ebp
    jz .e820_done
    dec ebp
    mov edi, BUF
    mov ecx, 20
    call fw_read
    mov eax, [BUF]
    or eax, [BUF + 4]
    jnz .e820_entry
    cmp dword [BUF + 16], 1
    jne .e820_entry
    mov ebx, 1
.e820_done:
    CHECK "e820 RAM at 0", ebx, 1
    mov esi, name_loader
    call fw_find
    CHECK "etc/table-loader found", ebx, 1
    test eax, eax
    jnz .loader_nonempty
    FAIL_NOW "etc/table-loader is empty"
.loader_nonempty:
    and eax, 127
    CHECK "etc/table-loader size % 128", eax, 0
    mov esi, name_wait
    call fw_find
    CHECK "etc/boot-fail-wait found", ebx, 1
    CHECK "etc/boot-fail-wait size", eax, 4
    mov ax, [DIR_BUF + 4]
    xchg al, ah
    call fw_select
    mov edi, BUF
    mov ecx, 4
    call fw_read
    CHECK "etc/boot-fail-wait", [BUF], 0xffffffff

    AREA "dma"
    ; select + read the signature
    mov dword [BUF], 0
    mov eax, KEY_SIGNATURE << 16 | DMA_SELECT | DMA_READ
    mov ecx, 4
    mov edx, BUF
    call fw_dma
    CHECK "select+read control", eax, 0
    CHECK "select+read data", [BUF], 'QEMU'
    ; the RSDP file: select by DMA, skip 0, read its signature
    mov esi, name_rsdp
    call fw_find
    CHECK "etc/acpi/rsdp found", ebx, 1
    movzx eax, word [DIR_BUF + 4]
    xchg al, ah
    shl eax, 16
    or eax, DMA_SELECT | DMA_READ
    mov ecx, 8
    mov edx, BUF
    call fw_dma
    CHECK "rsdp control", eax, 0
    CHECK "rsdp signature 0", [BUF], 'RSD '
    CHECK "rsdp signature 4", [BUF + 4], 'PTR '
    ; the SMBIOS anchor: skip 16 bytes, then read "_DMI_"
    mov esi, name_anchor
    call fw_find
    CHECK "smbios anchor found", ebx, 1
    movzx eax, word [DIR_BUF + 4]
    xchg al, ah
    shl eax, 16
    or eax, DMA_SELECT | DMA_SKIP
    mov ecx, 16
    xor edx, edx
    call fw_dma
    CHECK "skip control", eax, 0
    mov eax, DMA_READ
    mov ecx, 4
    mov edx, BUF
    call fw_dma
    CHECK "read after skip", [BUF], '_DMI'
    ; a write to a read-only item is refused
    mov eax, KEY_SIGNATURE << 16 | DMA_SELECT | DMA_WRITE
    mov ecx, 4
    mov edx, BUF
    call fw_dma
    CHECK "write refused", eax, DMA_ERROR
    ; a read into nothing (no RAM there) is refused
    mov eax, KEY_SIGNATURE << 16 | DMA_SELECT | DMA_READ
    mov ecx, 4
    mov edx, NO_RAM
    call fw_dma
    CHECK "read to no RAM", eax, DMA_ERROR

    AREA "smbios"
    ; Scan 0xF0000-0xFFFFF on 16-byte boundaries for "_SM_" with good checksums.
    mov esi, 0xf0000
.scan:
    cmp dword [esi], '_SM_'
    jne .scan_next
    movzx ecx, byte [esi + 5]
    call byte_sum
    test al, al
    jnz .scan_next
    cmp dword [esi + 16], '_DMI'
    jne .scan_next
    push esi
    add esi, 16
    mov ecx, 15
    call byte_sum
    pop esi
    test al, al
    jz .found
.scan_next:
    add esi, 16
    cmp esi, 0x100000
    jb .scan
    FAIL_NOW "no SMBIOS entry point in 0xF0000-0xFFFFF"
    jmp .done
.found:
    movzx eax, byte [esi + 6]
    CHECK "smbios major", eax, 2
    ; Walk the structure table: count processors (type 4), find the system
    ; (type 1), end at type 127 within the table's length.
    mov edi, [esi + 0x18]               ; table address
    movzx ebp, word [esi + 0x16]
    add ebp, edi                        ; table end
    xor ebx, ebx                        ; cores in type 4 structures
    xor edx, edx                        ; type 1 count
.walk:
    cmp edi, ebp
    jae .walk_end
    movzx eax, byte [edi]
    cmp eax, 127
    je .walk_end
    cmp eax, 4
    jne .not_cpu
    movzx eax, byte [edi + 0x23]        ; core count (QEMU: one socket of N cores)
    add ebx, eax
    movzx eax, byte [edi]
.not_cpu:
    cmp eax, 1
    jne .not_system
    inc edx
.not_system:
    movzx ecx, byte [edi + 1]
    add edi, ecx                        ; the strings follow the formatted area
.strings:
    cmp word [edi], 0
    je .strings_end
    inc edi
    cmp edi, ebp
    jb .strings
    jmp .walk_end
.strings_end:
    add edi, 2
    jmp .walk
.walk_end:
    movzx eax, byte [edi]
    CHECK "smbios end of table", eax, 127
    CHECK "smbios cores", ebx, 2
    CHECK "smbios system", edx, 1
.done:
    FINISH

; byte_sum: AL = the byte sum of ECX bytes at ESI.
byte_sum:
    push ecx
    push esi
    xor eax, eax
.add:
    add al, [esi]
    inc esi
    loop .add
    pop esi
    pop ecx
    ret

; fw_select: selects item AX.
fw_select:
    push edx
    mov dx, FW_CFG_SEL
    out dx, ax
    pop edx
    ret

; fw_read: ECX bytes of the selected item to EDI.
fw_read:
    push eax
    push ecx
    push edx
    push edi
    mov dx, FW_CFG_DATA
.next:
    in al, dx
    mov [edi], al
    inc edi
    loop .next
    pop edi
    pop edx
    pop ecx
    pop eax
    ret

; fw_find: looks up the file named at ESI in the directory (read through the
; ports). EBX = 1 and EAX = its size, its entry at DIR_BUF, when found; EBX = 0
; otherwise.
fw_find:
    push ecx
    push edx
    push edi
    push ebp
    mov ax, KEY_FILE_DIR
    call fw_select
    mov edi, BUF
    mov ecx, 4
    call fw_read
    mov ebp, [BUF]
    bswap ebp                           ; the count is big-endian
    xor ebx, ebx
.entry:
    test ebp, ebp
    jz .out
    dec ebp
    mov edi, DIR_BUF
    mov ecx, 64
    call fw_read
    push esi
    lea edi, [DIR_BUF + 8]
.cmp:
    mov al, [esi]
    cmp al, [edi]
    jne .differ
    inc esi
    inc edi
    test al, al
    jnz .cmp
    pop esi
    mov eax, [DIR_BUF]
    bswap eax
    mov ebx, 1
    jmp .out
.differ:
    pop esi
    jmp .entry
.out:
    pop ebp
    pop edi
    pop edx
    pop ecx
    ret

; fw_dma: runs a DMA transfer: EAX = control, ECX = length, EDX = address.
; Returns EAX = the control word the device wrote back.
fw_dma:
    push edx
    bswap eax
    mov [DMA_DESC], eax
    bswap ecx
    mov [DMA_DESC + 4], ecx
    bswap ecx
    mov dword [DMA_DESC + 8], 0
    bswap edx
    mov [DMA_DESC + 12], edx
    xor eax, eax                        ; high half of the descriptor's address
    mov dx, FW_CFG_DMA_HI
    out dx, eax
    mov eax, DMA_DESC
    bswap eax
    mov dx, FW_CFG_DMA_LO
    out dx, eax                         ; starts the transfer
    mov eax, [DMA_DESC]
    bswap eax
    pop edx
    ret

name_e820:      db "etc/e820", 0
name_loader:    db "etc/table-loader", 0
name_wait:      db "etc/boot-fail-wait", 0
name_rsdp:      db "etc/acpi/rsdp", 0
name_anchor:    db "etc/smbios/smbios-anchor", 0

    KERNEL_END
