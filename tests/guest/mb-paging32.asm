; mb-paging32.asm - 32-bit paging (SDM Vol 3A §4.3, §4.7, §4.8, §4.10): 4 KiB
; pages and 4 MiB pages (CR4.PSE), #PF error codes and CR2 (not present, write
; to read-only with CR0.WP on and off at CPL 0, user access to supervisor
; pages), accessed and dirty bits, INVLPG and CR3 reload after a PTE change.
%include "lib32.inc"

PD              equ TEST_RAM            ; page directory
PT_LOW          equ TEST_RAM + 0x1000   ; 0-4 MiB identity, 4 KiB pages
PT_TEST         equ TEST_RAM + 0x2000   ; the test pages at 8 MiB
PT_SUPER        equ TEST_RAM + 0x3000   ; under a supervisor-only PDE, at 16 MiB
PAGE1           equ TEST_RAM + 0x10000  ; physical pages behind the test pages
PAGE2           equ TEST_RAM + 0x11000
PAGE3           equ TEST_RAM + 0x12000

; Linear addresses of the test pages (PT_TEST entries)
V_RW            equ 0x00800000          ; PAGE1, supervisor, writable
V_RO            equ 0x00801000          ; PAGE1, supervisor, read-only
V_ABSENT        equ 0x00802000          ; not present
V_USER_RO       equ 0x00803000          ; PAGE2, user, read-only
V_AD            equ 0x00804000          ; PAGE3, A and D clear
V_REMAP         equ 0x00805000          ; PAGE1, then PAGE2
V_USER          equ 0x00806000          ; PAGE2, user, writable
V_SUPER_PDE     equ 0x01000000          ; PTE user, PDE supervisor: PAGE2
V_BIG           equ 0x00c00000          ; 4 MiB page at physical 4 MiB

PTE_P           equ 0x001
PTE_W           equ 0x002
PTE_U           equ 0x004
PTE_A           equ 0x020
PTE_D           equ 0x040
PDE_PS          equ 0x080

PF_P            equ 0x01                ; error code bits (SDM Vol 3A §4.7)
PF_W            equ 0x02
PF_U            equ 0x04

CR0_WP          equ 1 << 16
CR0_PG          equ 1 << 31
CR4_PSE         equ 1 << 4

; PTE linear, value: sets the PT_TEST entry of a test page
%macro PTE 2
    mov dword [PT_TEST + (((%1) >> 12) & 0x3ff) * 4], %2
%endmacro

start:
    ; page directory and tables (paging is still off)
    mov edi, PD
    mov ecx, 4 * 1024
    xor eax, eax
    rep stosd
    mov edi, PT_LOW                     ; identity, user, writable
    mov eax, PTE_P | PTE_W | PTE_U
.fill_low:
    stosd
    add eax, 0x1000
    cmp edi, PT_LOW + 4096
    jne .fill_low
    mov dword [PD + 0 * 4], PT_LOW | PTE_P | PTE_W | PTE_U
    mov dword [PD + 1 * 4], 0x00400000 | PDE_PS | PTE_P | PTE_W | PTE_U
    mov dword [PD + 2 * 4], PT_TEST | PTE_P | PTE_W | PTE_U
    mov dword [PD + 3 * 4], 0x00400000 | PDE_PS | PTE_P | PTE_W | PTE_U
    mov dword [PD + 4 * 4], PT_SUPER | PTE_P | PTE_W    ; U = 0
    mov dword [PT_SUPER], PAGE2 | PTE_P | PTE_W | PTE_U
    PTE V_RW, PAGE1 | PTE_P | PTE_W
    PTE V_RO, PAGE1 | PTE_P
    PTE V_ABSENT, 0
    PTE V_USER_RO, PAGE2 | PTE_P | PTE_U
    PTE V_AD, PAGE3 | PTE_P | PTE_W
    PTE V_REMAP, PAGE1 | PTE_P | PTE_W
    PTE V_USER, PAGE2 | PTE_P | PTE_W | PTE_U
    mov dword [PAGE1], 0x11111111
    mov dword [PAGE1 + 12], 0
    mov dword [PAGE2], 0x22222222
    mov dword [PAGE3], 0x33333333
    mov dword [0x00500000], 0x44444444  ; in the 4 MiB page at 4 MiB

    AREA "enable paging"
    mov eax, cr4
    or eax, CR4_PSE
    mov cr4, eax
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, CR0_PG
    and eax, ~CR0_WP
    mov cr0, eax
    jmp .paged                          ; SDM Vol 3A §9.9.1: a jump after PG
.paged:
    mov ecx, cr3
    CHECK "cr3", ecx, PD
    mov ecx, [V_RW]
    CHECK "4 KiB page", ecx, 0x11111111
    mov ecx, [V_USER]
    CHECK "4 KiB page 2", ecx, 0x22222222
    mov ecx, [V_BIG + 0x100000]
    CHECK "4 MiB page", ecx, 0x44444444
    mov dword [V_BIG + 0x100004], 0x55555555
    mov ecx, [0x00500004]
    CHECK "4 MiB page write", ecx, 0x55555555
    mov ecx, [V_SUPER_PDE]
    CHECK "supervisor pde at cpl 0", ecx, 0x22222222

    AREA "accessed and dirty"
    ; SDM Vol 3A §4.8: A is set on any access, D on a write, in the entry
    ; that maps the page (and A in the PDEs used).
    and dword [PD + 2 * 4], ~PTE_A
    and dword [PD + 3 * 4], ~(PTE_A | PTE_D)
    mov eax, cr3
    mov cr3, eax
    mov ecx, [V_AD]
    mov ecx, [PT_TEST + ((V_AD >> 12) & 0x3ff) * 4]
    and ecx, PTE_A | PTE_D
    CHECK "read sets A only", ecx, PTE_A
    mov ecx, [PD + 2 * 4]
    and ecx, PTE_A
    CHECK "pde A set", ecx, PTE_A
    mov dword [V_AD], 1
    mov ecx, [PT_TEST + ((V_AD >> 12) & 0x3ff) * 4]
    and ecx, PTE_A | PTE_D
    CHECK "write sets D", ecx, PTE_A | PTE_D
    mov ecx, [V_BIG]
    mov ecx, [PD + 3 * 4]
    and ecx, PTE_A | PTE_D
    CHECK "4 MiB read sets A", ecx, PTE_A
    mov dword [V_BIG], 0
    mov ecx, [PD + 3 * 4]
    and ecx, PTE_A | PTE_D
    CHECK "4 MiB write sets D", ecx, PTE_A | PTE_D

    AREA "#PF not present"
    EXPECT V_PF, .np_read_done
.np_read:
    mov ecx, [V_ABSENT + 0x10]
    NO_EXCEPTION
.np_read_done:
    CHECK_EXC "read", V_PF, 0, .np_read
    mov ecx, cr2
    CHECK "read cr2", ecx, V_ABSENT + 0x10
    EXPECT V_PF, .np_write_done
.np_write:
    mov dword [V_ABSENT + 0x24], 0
    NO_EXCEPTION
.np_write_done:
    CHECK_EXC "write", V_PF, PF_W, .np_write
    mov ecx, cr2
    CHECK "write cr2", ecx, V_ABSENT + 0x24
    ; a fetch: the I/D bit is only defined with PAE and NXE or SMEP
    EXPECT V_PF, .np_fetch_done
    mov eax, V_ABSENT + 0x8
    call eax
    NO_EXCEPTION
.np_fetch_done:
    CHECK_EXC "fetch", V_PF, 0, V_ABSENT + 0x8
    mov ecx, cr2
    CHECK "fetch cr2", ecx, V_ABSENT + 0x8
    mov dword [PD + 5 * 4], 0           ; not-present PDE
    mov eax, cr3
    mov cr3, eax
    EXPECT V_PF, .np_pde_done
.np_pde:
    mov ecx, [0x01400abc]
    NO_EXCEPTION
.np_pde_done:
    CHECK_EXC "pde not present", V_PF, 0, .np_pde
    mov ecx, cr2
    CHECK "pde not present cr2", ecx, 0x01400abc

    AREA "#PF write protect"
    ; SDM Vol 3A §4.6.1: at CPL 0 read-only pages are writable when CR0.WP = 0
    mov dword [V_RO + 8], 0x600d600d
    mov ecx, [V_RW + 8]
    CHECK "wp=0 write to read-only", ecx, 0x600d600d
    mov eax, cr0
    or eax, CR0_WP
    mov cr0, eax
    EXPECT V_PF, .wp_done
.wp:
    mov dword [V_RO + 12], 0xbad
    NO_EXCEPTION
.wp_done:
    CHECK_EXC "wp=1 write to read-only", V_PF, PF_P | PF_W, .wp
    mov ecx, cr2
    CHECK "wp=1 cr2", ecx, V_RO + 12
    mov ecx, [V_RW + 12]
    CHECK "nothing written", ecx, 0

    AREA "rep strings across pages"
    ; Translated REP MOVS/STOS run a page of iterations at a time (SDM Vol 1
    ; §7.3.9.3): the result must be that of one iteration after the other,
    ; including a fault in the middle (SDM Vol 2B REP: rCX, rSI, rDI then
    ; describe the iterations done; the faulting one starts again).
    mov edi, V_BIG + 0x1ff8             ; across a 4 KiB boundary of the 4 MiB page
    mov ecx, 16
    mov eax, 0x5a5a5a5a
    rep stosb
    CHECK "stosb across 4 KiB: edi", edi, V_BIG + 0x2008
    CHECK "stosb across 4 KiB: ecx", ecx, 0
    CHECK "stosb across 4 KiB: first", dword [0x00401ff8], 0x5a5a5a5a
    CHECK "stosb across 4 KiB: last", dword [0x00402004], 0x5a5a5a5a
    CHECK "stosb across 4 KiB: after", dword [0x00402008], 0
    mov edi, V_RW + 0xff0               ; on into V_RO, read-only (CR0.WP = 1)
    mov ecx, 8
    mov eax, 0x12345678
    EXPECT V_PF, .stos_fault_done
.stos_fault:
    rep stosd
    NO_EXCEPTION
.stos_fault_done:
    CHECK_EXC "stosd into read-only", V_PF, PF_P | PF_W, .stos_fault
    mov edx, cr2
    CHECK "stosd into read-only: cr2", edx, V_RO
    CHECK "stosd into read-only: edi", edi, V_RO
    CHECK "stosd into read-only: before the page", dword [V_RW + 0xffc], 0x12345678
    mov byte [V_RW + 0x800], 0xab       ; destination one byte ahead of the source
    mov esi, V_RW + 0x800
    mov edi, V_RW + 0x801
    mov ecx, 16
    rep movsb
    CHECK "movsb overlapping: copies its own bytes", dword [V_RW + 0x80d], 0xabababab
    CHECK "movsb overlapping: stops", dword [V_RW + 0x811], 0
    CHECK "movsb overlapping: esi", esi, V_RW + 0x810
    mov esi, V_RO + 0xff8               ; on into V_ABSENT
    mov edi, V_RW + 0x900
    mov ecx, 4
    EXPECT V_PF, .movs_fault_done
.movs_fault:
    rep movsd
    NO_EXCEPTION
.movs_fault_done:
    CHECK_EXC "movsd from absent", V_PF, 0, .movs_fault
    mov edx, cr2
    CHECK "movsd from absent: cr2", edx, V_ABSENT
    CHECK "movsd from absent: esi", esi, V_ABSENT
    CHECK "movsd from absent: edi", edi, V_RW + 0x908
    CHECK "movsd from absent: copied", dword [V_RW + 0x904], 0x12345678

    AREA "#PF user access"
    EXPECT V_PF, .user_super_done
    ENTER_RING3 ring3_read, 2
.user_super_done:
    CHECK "supervisor page: vector", [lib_exc_vec], V_PF
    CHECK "supervisor page: error", [lib_exc_err], PF_P | PF_U
    CHECK "supervisor page: eip", [lib_exc_eip], ring3_read.access
    mov ecx, cr2
    CHECK "supervisor page: cr2", ecx, V_RW + 4
    EXPECT V_PF, .user_pde_done
    mov ebx, V_SUPER_PDE
    ENTER_RING3 ring3_read.access, 2
.user_pde_done:
    CHECK "supervisor pde: vector", [lib_exc_vec], V_PF
    CHECK "supervisor pde: error", [lib_exc_err], PF_P | PF_U
    EXPECT V_PF, .user_ro_done
    ENTER_RING3 ring3_write, 2
.user_ro_done:
    CHECK "user read-only write: vector", [lib_exc_vec], V_PF
    CHECK "user read-only write: error", [lib_exc_err], PF_P | PF_W | PF_U
    mov ecx, cr2
    CHECK "user read-only write: cr2", ecx, V_USER_RO
    mov dword [got], 0
    EXPECT RING0_VEC, .user_ok_done
    mov ebx, V_USER
    ENTER_RING3 ring3_read.access, 2
.user_ok_done:
    CHECK "user page readable", [got], 0x22222222

    AREA "invlpg and cr3 reload"
    mov ecx, [V_REMAP]                  ; cached in the TLB, maybe
    CHECK "before", ecx, 0x11111111
    PTE V_REMAP, PAGE2 | PTE_P | PTE_W
    invlpg [V_REMAP]
    mov ecx, [V_REMAP]
    CHECK "after invlpg", ecx, 0x22222222
    PTE V_REMAP, PAGE3 | PTE_P | PTE_W
    mov eax, cr3
    mov cr3, eax
    mov ecx, [V_REMAP]
    CHECK "after cr3 reload", ecx, 1    ; PAGE3 holds what "write sets D" wrote
    PTE V_REMAP, 0
    invlpg [V_REMAP]
    EXPECT V_PF, .unmapped_done
.unmapped:
    mov ecx, [V_REMAP]
    NO_EXCEPTION
.unmapped_done:
    CHECK_EXC "unmapped after invlpg", V_PF, 0, .unmapped

    FINISH

ring3_read:
    mov ebx, V_RW + 4
.access:
    mov eax, [ebx]
    mov [got], eax
    RING0_RETURN

ring3_write:
    mov dword [V_USER_RO], 1
    RING0_RETURN

align 4
got:        dd 0

    KERNEL_END
