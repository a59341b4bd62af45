; mb-pae.asm - PAE paging (SDM Vol 3A §4.4, §4.7): 64-bit entries through a
; 4-entry PDPT, 4 KiB and 2 MiB pages, accessed and dirty bits in 2 MiB PDEs,
; reserved-bit faults (RSVD in the error code), and execute-disable with
; EFER.NXE (#PF with the I/D bit on a fetch).
%include "lib32.inc"

PDPT            equ TEST_RAM            ; 32-byte aligned
PD0             equ TEST_RAM + 0x1000
PT_LOW          equ TEST_RAM + 0x2000   ; 0-2 MiB identity, 4 KiB pages
PT_TEST         equ TEST_RAM + 0x3000   ; test pages at 8 MiB
PAGE1           equ TEST_RAM + 0x10000
PAGE2           equ TEST_RAM + 0x11000

V_TEST          equ 0x00800000          ; PT_TEST
V_CODE          equ V_TEST + 0x0000     ; PAGE1, executable
V_XD            equ V_TEST + 0x1000     ; PAGE1, XD = 1
V_ABSENT        equ V_TEST + 0x2000     ; not present
V_RSVD          equ V_TEST + 0x3000     ; PAGE2, bit 51 set (reserved)
V_XD_ONLY       equ V_TEST + 0x4000     ; PAGE2, XD = 1 (reserved while NXE = 0)
V_BIG           equ 0x00a00000          ; 2 MiB page at physical 4 MiB
V_BIG_XD        equ 0x00c00000          ; the same, XD = 1
V_BIG_RSVD      equ 0x00e00000          ; the same, bit 13 set (reserved)

PTE_P           equ 0x001
PTE_W           equ 0x002
PTE_U           equ 0x004
PTE_A           equ 0x020
PTE_D           equ 0x040
PDE_PS          equ 0x080
XD_HI           equ 0x80000000          ; bit 63, in the high dword
RSVD51_HI       equ 0x00080000          ; bit 51, in the high dword

PF_P            equ 0x01                ; error code bits (SDM Vol 3A §4.7)
PF_W            equ 0x02
PF_RSVD         equ 0x08
PF_I            equ 0x10

CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
MSR_EFER        equ 0xc0000080
EFER_NXE        equ 1 << 11

; CHECK_RSVD "name", error_code, eip: a reserved-bit #PF. The SDM sets P with
; RSVD (Vol 3A §4.7); QEMU 7.2 leaves P clear, so P is not compared.
%macro CHECK_RSVD 3
    CHECK {%1, " vector"}, [lib_exc_vec], V_PF
    mov ecx, [lib_exc_err]
    and ecx, ~PF_P
    CHECK {%1, " error"}, ecx, %2
    CHECK {%1, " eip"}, [lib_exc_eip], %3
%endmacro

; ENTRY table, index, low, high: a 64-bit paging-structure entry
%macro ENTRY 4
    mov dword [(%1) + (%2) * 8], %3
    mov dword [(%1) + (%2) * 8 + 4], %4
%endmacro

start:
    mov edi, PDPT
    mov ecx, 4 * 1024
    xor eax, eax
    rep stosd
    mov edi, PT_LOW
    mov eax, PTE_P | PTE_W | PTE_U
.fill_low:
    mov [edi], eax
    mov dword [edi + 4], 0
    add edi, 8
    add eax, 0x1000
    cmp edi, PT_LOW + 4096
    jne .fill_low
    ; SDM Vol 3A §4.4.1: PDPTEs have no R/W or U/S bits (reserved)
    ENTRY PDPT, 0, PD0 | PTE_P, 0
    ENTRY PD0, 0, PT_LOW | PTE_P | PTE_W | PTE_U, 0
    ENTRY PD0, 1, 0x00200000 | PDE_PS | PTE_P | PTE_W | PTE_U, 0
    ENTRY PD0, 2, 0x00400000 | PDE_PS | PTE_P | PTE_W | PTE_U, 0
    ENTRY PD0, 3, 0x00600000 | PDE_PS | PTE_P | PTE_W | PTE_U, 0
    ENTRY PD0, 4, PT_TEST | PTE_P | PTE_W | PTE_U, 0
    ENTRY PD0, 5, 0x00400000 | PDE_PS | PTE_P | PTE_W, 0
    ENTRY PD0, 6, 0x00400000 | PDE_PS | PTE_P | PTE_W, XD_HI
    ENTRY PD0, 7, 0x00400000 | 0x2000 | PDE_PS | PTE_P | PTE_W, 0
    ENTRY PT_TEST, 0, PAGE1 | PTE_P | PTE_W, 0
    ENTRY PT_TEST, 1, PAGE1 | PTE_P | PTE_W, XD_HI
    ENTRY PT_TEST, 3, PAGE2 | PTE_P | PTE_W, RSVD51_HI
    ENTRY PT_TEST, 4, PAGE2 | PTE_P | PTE_W, XD_HI
    mov dword [PAGE1], 0x11111111
    mov byte [PAGE1 + 0x100], 0xc3     ; ret
    mov dword [PAGE2], 0x22222222
    mov dword [0x00480000], 0x44444444
    mov byte [0x00400100], 0xc3        ; ret, in the 2 MiB pages

    AREA "enable pae"
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, PDPT
    mov cr3, eax
    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
    jmp .paged
.paged:
    mov ecx, [V_CODE]
    CHECK "4 KiB page", ecx, 0x11111111
    mov ecx, [V_BIG + 0x80000]
    CHECK "2 MiB page", ecx, 0x44444444
    mov dword [V_BIG + 0x80004], 0x55555555
    mov ecx, [0x00480004]
    CHECK "2 MiB page write", ecx, 0x55555555
    mov ecx, [PD0 + 5 * 8]
    and ecx, PTE_A | PTE_D
    CHECK "2 MiB pde A and D", ecx, PTE_A | PTE_D

    AREA "reserved bits"
    ; SDM Vol 3A §4.7: a reserved bit set in an entry used for the access
    ; gives #PF with RSVD (and P) set. Bits 51:MAXPHYADDR are reserved, so is
    ; XD while EFER.NXE = 0 (§4.4.2), and bits 20:13 of a 2 MiB PDE.
    EXPECT V_PF, .rsvd_read_done
.rsvd_read:
    mov ecx, [V_RSVD + 4]
    NO_EXCEPTION
.rsvd_read_done:
    CHECK_RSVD "bit 51 read", PF_RSVD, .rsvd_read
    mov ecx, cr2
    CHECK "bit 51 cr2", ecx, V_RSVD + 4
    EXPECT V_PF, .rsvd_write_done
.rsvd_write:
    mov dword [V_RSVD + 8], 0
    NO_EXCEPTION
.rsvd_write_done:
    CHECK_RSVD "bit 51 write", PF_W | PF_RSVD, .rsvd_write
    EXPECT V_PF, .xd_rsvd_done
.xd_rsvd:
    mov ecx, [V_XD_ONLY]
    NO_EXCEPTION
.xd_rsvd_done:
    CHECK_RSVD "xd without nxe", PF_RSVD, .xd_rsvd
    EXPECT V_PF, .big_rsvd_done
.big_rsvd:
    mov ecx, [V_BIG_RSVD + 0x10]
    NO_EXCEPTION
.big_rsvd_done:
    CHECK_RSVD "2 MiB pde bit 13", PF_RSVD, .big_rsvd
    EXPECT V_PF, .absent_done
.absent:
    mov ecx, [V_ABSENT]
    NO_EXCEPTION
.absent_done:
    CHECK_EXC "not present", V_PF, 0, .absent

    AREA "execute disable"
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_NXE
    wrmsr
    mov eax, V_CODE + 0x100
    call eax
    CHECK "fetch from an executable page", eax, V_CODE + 0x100
    mov ecx, [V_XD]
    CHECK "read from an xd page", ecx, 0x11111111
    mov ecx, [V_XD_ONLY]
    CHECK "xd is no longer reserved", ecx, 0x22222222
    ; SDM Vol 3A §4.7: I/D is set for fetches when PAE paging and NXE are on
    EXPECT V_PF, .xd_fetch_done
    mov eax, V_XD + 0x100
    call eax
    NO_EXCEPTION
.xd_fetch_done:
    CHECK_EXC "fetch from an xd page", V_PF, PF_P | PF_I, V_XD + 0x100
    mov ecx, cr2
    CHECK "xd fetch cr2", ecx, V_XD + 0x100
    EXPECT V_PF, .absent_fetch_done
    mov eax, V_ABSENT + 0x100
    call eax
    NO_EXCEPTION
.absent_fetch_done:
    CHECK_EXC "fetch from a not-present page", V_PF, PF_I, V_ABSENT + 0x100
    mov eax, V_BIG + 0x100
    call eax
    CHECK "fetch from a 2 MiB page", eax, V_BIG + 0x100
    EXPECT V_PF, .big_xd_done
    mov eax, V_BIG_XD + 0x100
    call eax
    NO_EXCEPTION
.big_xd_done:
    CHECK_EXC "fetch from an xd 2 MiB page", V_PF, PF_P | PF_I, V_BIG_XD + 0x100

    FINISH

    KERNEL_END
