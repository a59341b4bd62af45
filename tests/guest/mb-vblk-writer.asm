; mb-vblk-writer.asm - a Multiboot guest that writes to the first virtio-blk disk
; through the legacy virtio PCI interface (virtio 1.1 §4.1.4.8): it finds the
; transitional function 1AF4:1001 on bus 0, puts its I/O BAR0 at 0xC000, sets up
; queue 0 at a page frame (§2.6.2 legacy layout) and sends 4 KiB write requests
; (§5.2.6: header, data, status byte) one at a time, polling the used ring.
;
; Block b (sectors 8b..8b+7) holds 1024 dwords, dword k = (b << 12) | k, with the
; pass number in the top byte (0 in "fill" mode).
;
;   -append fill   writes blocks 0..255 (1 MiB), flushes, prints "vblk: filled" and
;                  exits through isa-debug-exit with 0 (status 1)
;   -append loop   writes blocks 0..4095 (16 MiB) round and round, flushing every 16
;                  writes and printing "vblk: pass N" every 256 (1 MiB: a pass is new
;                  clusters in the first 16), until killed
;
; Any failure prints "vblk: FAIL <what>" and exits with 1 (status 3).
; tests/e2e/vblk-guest.sh runs it.
[bits 32]
org 0x100000

MB_MAGIC equ 0x1badb002
MB_FLAGS equ 0x00010003
IOBASE   equ 0xc000

; legacy registers (offsets in BAR0)
REG_GUEST_FEATURES equ 0x04
REG_QUEUE_PFN      equ 0x08
REG_QUEUE_NUM      equ 0x0c
REG_QUEUE_SEL      equ 0x0e
REG_QUEUE_NOTIFY   equ 0x10
REG_STATUS         equ 0x12

RING     equ 0x200000                   ; descriptor table (page frame 0x200)
HDR      equ 0x210000                   ; request header
DATA     equ 0x211000                   ; 4 KiB of data
STATUS   equ 0x212000                   ; status byte
QSIZE    equ 256                        ; the queue size this guest needs
AVAIL    equ RING + 16 * QSIZE
USED     equ RING + 0x2000              ; align(AVAIL + 6 + 2 * QSIZE, 4096)

header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
    dd header, header, end_of_image, end_of_bss, start

start:
    mov esp, stack_top
    cmp eax, 0x2badb002
    jne fail_boot
    mov eax, [ebx + 16]                 ; command line: "kernel-path fill|loop"
    mov [cmdline], eax
    call find_device
    call init_device
    call has_loop
    jc write_loop
    ; fill: blocks 0..255
    xor edi, edi
.fill:
    mov eax, edi
    xor ecx, ecx
    call write_block
    inc edi
    cmp edi, 256
    jb .fill
    call flush
    mov esi, msg_filled
    call lib_puts
    mov al, 0
    out 0xf4, al
    hlt

write_loop:
    xor ebp, ebp                        ; pass
    xor edi, edi                        ; block
.block:
    mov eax, edi
    mov ecx, ebp
    call write_block
    inc edi
    and edi, 4095
    test edi, 15
    jnz .block
    call flush
    test edi, 255
    jnz .block
    inc ebp
    mov esi, msg_pass
    call lib_puts
    mov eax, ebp
    call print_dec
    call lib_crlf
    jmp .block

; carry set if the command line holds "loop"
has_loop:
    mov esi, [cmdline]
.scan:
    mov al, [esi]
    test al, al
    jz .no
    cmp dword [esi], 'loop'
    je .yes
    inc esi
    jmp .scan
.no:
    clc
    ret
.yes:
    stc
    ret

; ---- PCI ----

; eax = config address of bus 0 device edx, register ecx
pci_address:
    mov eax, edx
    shl eax, 11
    or eax, ecx
    or eax, 0x80000000
    ret

find_device:
    xor edx, edx
.next:
    xor ecx, ecx
    call pci_address
    push edx
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    in eax, dx
    pop edx
    cmp eax, 0x10011af4                 ; device 0x1001 (transitional block), vendor 0x1af4
    je .found
    inc edx
    cmp edx, 32
    jb .next
    mov esi, msg_nodev
    jmp fail
.found:
    mov [pci_dev], edx
    mov ecx, 0x10                       ; BAR0: I/O at IOBASE
    mov ebx, IOBASE
    call pci_write
    mov ecx, 0x04                       ; command: I/O space, bus master
    mov ebx, 0x0005
    call pci_write
    ret

; writes ebx to register ecx of the device
pci_write:
    mov edx, [pci_dev]
    call pci_address
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    mov eax, ebx
    out dx, eax
    ret

; ---- virtio ----

init_device:
    mov al, 0                           ; reset
    mov dx, IOBASE + REG_STATUS
    out dx, al
    mov al, 1                           ; ACKNOWLEDGE
    out dx, al
    mov al, 3                           ; DRIVER
    out dx, al
    xor eax, eax                        ; no features
    mov dx, IOBASE + REG_GUEST_FEATURES
    out dx, eax
    mov dx, IOBASE + REG_QUEUE_SEL
    xor ax, ax
    out dx, ax
    mov dx, IOBASE + REG_QUEUE_NUM
    in ax, dx
    cmp ax, QSIZE
    mov esi, msg_qsize
    jne fail
    ; zero the rings, then give the queue its page frame
    mov edi, RING
    mov ecx, 0x3000 / 4
    xor eax, eax
    rep stosd
    mov dx, IOBASE + REG_QUEUE_PFN
    mov eax, RING >> 12
    out dx, eax
    mov dx, IOBASE + REG_STATUS
    mov al, 7                           ; DRIVER_OK
    out dx, al
    in al, dx
    test al, 0x40                       ; DEVICE_NEEDS_RESET
    mov esi, msg_status
    jnz fail
    ; the chain: 0 header -> 1 data -> 2 status (device-writable)
    mov dword [RING + 0], HDR
    mov dword [RING + 8], 16
    mov word [RING + 12], 1             ; NEXT
    mov word [RING + 14], 1
    mov dword [RING + 16], DATA
    mov dword [RING + 24], 4096
    mov word [RING + 28], 1
    mov word [RING + 30], 2
    mov dword [RING + 32], STATUS
    mov dword [RING + 40], 1
    mov word [RING + 44], 2             ; WRITE
    ret

; writes block eax (pass ecx) and waits for it
write_block:
    push edi
    mov ebx, eax
    shl eax, 12
    shl ecx, 24
    or eax, ecx
    mov edi, DATA
    mov ecx, 1024
.fill:
    stosd
    inc eax
    loop .fill
    mov dword [HDR], 1                  ; VIRTIO_BLK_T_OUT
    mov dword [HDR + 4], 0
    shl ebx, 3                          ; sector
    mov [HDR + 8], ebx
    mov dword [HDR + 12], 0
    mov dword [RING + 8 + 16], 4096     ; data descriptor in the chain
    mov word [RING + 12], 1
    call submit
    pop edi
    ret

; VIRTIO_BLK_T_FLUSH: header and status only
flush:
    mov dword [HDR], 4
    mov word [RING + 12], 1
    mov word [RING + 14], 2             ; header -> status
    call submit
    mov word [RING + 14], 1             ; back to header -> data
    ret

; puts head 0 in the available ring, notifies, waits for the used ring
submit:
    mov byte [STATUS], 0xff
    movzx eax, word [AVAIL + 2]
    mov ecx, eax
    and ecx, QSIZE - 1
    mov word [AVAIL + 4 + 2 * ecx], 0
    inc eax
    mov [AVAIL + 2], ax                 ; x86 stores are ordered: ring entry first
    mov dx, IOBASE + REG_QUEUE_NOTIFY
    xor ax, ax
    out dx, ax
    movzx eax, word [AVAIL + 2]
.wait:
    cmp [USED + 2], ax
    jne .wait
    cmp byte [STATUS], 0
    mov esi, msg_ioerr
    jne fail
    ret

; ---- output ----

%include "serial32.inc"

print_dec:                              ; eax
    mov ecx, 10
    xor ebx, ebx
.digits:
    xor edx, edx
    div ecx
    push edx
    inc ebx
    test eax, eax
    jnz .digits
.out:
    pop eax
    add al, '0'
    call lib_putc
    dec ebx
    jnz .out
    ret

fail_boot:
    mov esi, msg_boot
fail:
    push esi
    mov esi, msg_fail
    call lib_puts
    pop esi
    call lib_puts
    call lib_crlf
    mov al, 1
    out 0xf4, al
    hlt

msg_filled: db "vblk: filled", 13, 10, 0
msg_pass:   db "vblk: pass ", 0
msg_fail:   db "vblk: FAIL ", 0
msg_boot:   db "not booted by a Multiboot loader", 0
msg_nodev:  db "no transitional virtio-blk on bus 0", 0
msg_qsize:  db "queue 0 size is not 256", 0
msg_status: db "device needs reset", 0
msg_ioerr:  db "request status not OK", 0

align 4
cmdline: dd 0
pci_dev: dd 0

align 16
end_of_image:
    times 1024 db 0
stack_top:
end_of_bss:
