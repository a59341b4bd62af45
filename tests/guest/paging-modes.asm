; paging-modes.asm - 32-bit, PAE and 4-level paging, turned on from the reset ROM.
;
; Each area runs a 32-bit routine in protected mode (run_pm): the routine builds
; its page tables in RAM, turns paging on, makes its accesses and stores what it
; saw in RAM variables; run_pm then turns paging and protection off again and
; the real-mode harness checks the variables.  Page faults are caught by a #PF
; handler that records CR2 and the error code and resumes at a label the test
; chose (EXPECT_PF); any other exception ends the routine and is reported.
;
; SDM Vol 3A: §4.3 (32-bit paging, 4 KiB and 4 MiB pages), §4.4 (PAE paging,
; PDPTEs loaded by the MOV to CR0/CR3, 2 MiB pages), §4.5 (4-level paging, 2 MiB
; and 1 GiB pages), §3.3.7.1 (canonical addresses), §4.6 (access rights:
; CR0.WP, execute-disable), §4.7 (#PF error code, CR2), §4.8 (accessed and
; dirty flags), §4.10.4.1 (INVLPG), §9.8.5 (initializing IA-32e mode and
; leaving it), §9.9.1 (switching to protected mode), §9.9.2 (switching back to
; real-address mode).
%include "lib.inc"

; ------------------------------------------------------------------ layout

; Variables shared by the 32-bit routines and the real-mode checks.
VARS            equ TEST_DATA
PF_COUNT        equ VARS + 0x00     ; #PF taken
PF_ERR          equ VARS + 0x04     ; error code of the last #PF
PF_CR2          equ VARS + 0x08     ; CR2 at the last #PF
PF_RESUME       equ VARS + 0x0c     ; where the #PF handler resumes (CS offset)
UNEXP_VEC       equ VARS + 0x10     ; vector of an unexpected exception, or ~0
RM_SP           equ VARS + 0x14     ; real-mode SP while in protected mode
PM_SAVED_ESP    equ VARS + 0x18     ; ESP saved around a CALL that faults
FAULT_VEC       equ VARS + 0x1c     ; vector of the last expected fault (long mode)
PF_CR2_HI       equ VARS + 0x38     ; CR2 bits 63:32 (long mode)
HAS_1G          equ VARS + 0x3c     ; CPUID.80000001H:EDX.Page1GB
R0              equ VARS + 0x20     ; results of the routines
R1              equ VARS + 0x24
R2              equ VARS + 0x28
R3              equ VARS + 0x2c
R4              equ VARS + 0x30
R5              equ VARS + 0x34
R_1G            equ VARS + 0x40     ; long mode: 1 GiB page behaved as CPUID says
R_NC_VEC        equ VARS + 0x44     ; long mode: non-canonical access vector
R_NC_ERR        equ VARS + 0x48     ; ... and error code
R_CR2_LO        equ VARS + 0x4c     ; long mode: CR2 of the not-present fault
R_CR2_HI        equ VARS + 0x50

PM_STACK_TOP    equ 0x6800          ; flat stack of the 32-bit routines

; Page tables and test frames (physical = linear below 4 MiB).
PD32            equ 0x10000         ; 32-bit page directory
PT_LOW          equ 0x11000         ; identity map of 0-4 MiB
PT_ALIAS        equ 0x12000         ; linear 0x00400000-0x007fffff
PDPT            equ 0x13000         ; PAE page-directory-pointer table
PD_PAE          equ 0x14000         ; PAE page directory for 0-1 GiB
PT_PAE_LOW      equ 0x15000         ; PAE identity map of 0-2 MiB
PT_PAE_ALIAS    equ 0x16000         ; PAE: linear 0x00400000-0x005fffff
PML4            equ 0x30000         ; 4-level paging
PDPT_LOW        equ 0x31000         ; linear 0-512 GiB
PD_LOW          equ 0x32000         ; linear 0-1 GiB
PT_LOW64        equ 0x33000         ; identity map of 0-2 MiB
PDPT_HIGH       equ 0x34000         ; linear 0xffff800000000000 (PML4 entry 256)
PD_HIGH         equ 0x35000
PT_HIGH         equ 0x36000
HIGH_HALF       equ 0xffff800000000000
FRAME_A         equ 0x20000
FRAME_B         equ 0x21000
FRAME_C         equ 0x22000

ALIAS           equ 0x400000        ; linear page -> FRAME_A
ALIAS_RO        equ 0x401000        ; linear page -> FRAME_B, read-only
ALIAS_NP        equ 0x402000        ; not present
ALIAS_NX        equ 0x403000        ; PAE: FRAME_C, execute-disable

PTE_P           equ 0x001
PTE_RW          equ 0x002
PTE_A           equ 0x020
PTE_D           equ 0x040
PTE_PS          equ 0x080
PF_P            equ 0x01
PF_W            equ 0x02
PF_I            equ 0x10

CR0_PE          equ 0x00000001
CR0_WP          equ 0x00010000
CR0_PG          equ 0x80000000
CR4_PSE         equ 0x00000010
CR4_PAE         equ 0x00000020
MSR_EFER        equ 0xc0000080
EFER_LME        equ 0x00000100
EFER_NXE        equ 0x00000800
PF_RSVD         equ 0x08
EXC_GP          equ 13
EXC_PF          equ 14

; Selectors of the ROM's GDT
SEL_CODE32      equ 0x08                ; base F0000h: EIP = ROM offset
SEL_DATA32      equ 0x10                ; flat
SEL_CODE16      equ 0x18                ; base F0000h, 64 KiB
SEL_DATA16      equ 0x20                ; base 0, 64 KiB (real-mode-like limits)
SEL_CODE64      equ 0x28                ; 64-bit code (IA-32e mode)

PM_STUB_SIZE    equ 7                   ; exception stub: push imm8 (2) + jmp rel32 (5)

; RUN_PM routine: runs the 32-bit routine in protected mode (see run_pm).
%macro RUN_PM 1
    mov ebx, %1
    call run_pm
%endmacro

; EXPECT_PF label: the next #PF resumes at label.
%macro EXPECT_PF 1
    mov dword [PF_RESUME], %1
%endmacro

; CHECKV "name", var, want32: a dword variable must hold want32.
%macro CHECKV 3
    push edx
    mov edx, [%2]
    CHECKD %1, edx, %3
    pop edx
%endmacro

; ------------------------------------------------------------------- tests

start:
    TEST_INIT

    AREA "32-bit paging, 4 KiB pages"
    RUN_PM pm_paging32
    CHECKV "no exception", UNEXP_VEC, 0xffffffff
    CHECKV "write through the alias lands in the frame", R0, 0x12345678
    CHECKV "PTE A and D after a write", R1, PTE_A | PTE_D
    CHECKV "PDE A set, D untouched", R2, PTE_A
    CHECKV "PTE A without D after a read", R3, PTE_A
    CHECKV "read of a read-only page", R4, 0xbbbbbbbb

    AREA "32-bit paging, page faults"
    RUN_PM pm_faults32
    CHECKV "no exception", UNEXP_VEC, 0xffffffff
    CHECKV "faults taken", PF_COUNT, 4
    CHECKV "not-present write error code", R0, PF_W
    CHECKV "not-present write CR2", R1, ALIAS_NP + 0x10
    CHECKV "read-only write, WP=0, allowed", R2, 0x5555aaaa
    CHECKV "read-only write, WP=1, error code", R3, PF_P | PF_W
    CHECKV "read-only write, WP=1, CR2", R4, ALIAS_RO + 4
    CHECKV "split write: first page untouched", R5, 0x11223344

    AREA "INVLPG"
    RUN_PM pm_invlpg
    CHECKV "no exception", UNEXP_VEC, 0xffffffff
    CHECKV "old mapping", R0, 0xaaaa0001
    CHECKV "new mapping after INVLPG", R1, 0xcccc0001

    AREA "4 MiB pages (PSE)"
    RUN_PM pm_pse
    CHECKV "no exception", UNEXP_VEC, 0xffffffff
    CHECKV "read through the 4 MiB page", R0, 0xaaaa0001
    CHECKV "write through the 4 MiB page", R1, 0x0badf00d
    CHECKV "4 MiB PDE A and D", R2, PTE_A | PTE_D

    AREA "PAE paging"
    RUN_PM pm_pae
    CHECKV "no exception", UNEXP_VEC, 0xffffffff
    CHECKV "4 KiB alias", R0, 0xaaaa0001
    CHECKV "2 MiB page", R1, 0xcccc0001
    CHECKV "PAE PTE A and D after a write", R2, PTE_A | PTE_D
    CHECKV "faults taken", PF_COUNT, 1
    CHECKV "fetch from an XD page: error code", R3, PF_P | PF_I
    CHECKV "fetch from an XD page: CR2", R4, ALIAS_NX + 0x100
    CHECKV "XD page readable", R5, 0x000000c3

    AREA "4-level paging (long mode)"
    RUN_PM pm_long
    CHECKV "no exception", UNEXP_VEC, 0xffffffff
    CHECKV "2 MiB page", R0, 0xaaaa0001
    CHECKV "write through the high half", R1, 0x600dbeef
    CHECKV "high-half PTE A and D", R2, PTE_A | PTE_D
    CHECKV "high-half PML4E A, no D", R3, PTE_A
    CHECKV "faults taken", PF_COUNT, 2
    CHECKV "not present: vector", R4, EXC_PF
    CHECKV "not present: error code", R5, PF_W
    CHECKV "not present: CR2 low", R_CR2_LO, 0x00001008
    CHECKV "not present: CR2 high", R_CR2_HI, 0xffff8000
    CHECKV "1 GiB page (when CPUID.80000001H:EDX.Page1GB = 1)", R_1G, 1
    CHECKV "non-canonical: vector", R_NC_VEC, EXC_GP
    CHECKV "non-canonical: error code", R_NC_ERR, 0

    FINISH

; ------------------------------------------------------ 32-bit test routines
[bits 32]

; Fills the 1024-entry table at EDI with frames EAX, EAX + 4 KiB, ... | flags in
; EAX's low bits.
fill_pt32:
    mov ecx, 1024
.next:
    mov [edi], eax
    add eax, 0x1000
    add edi, 4
    sub ecx, 1
    jnz .next
    ret

; Zeroes ECX dwords at EDI.
zero_dwords:
    mov dword [edi], 0
    add edi, 4
    sub ecx, 1
    jnz zero_dwords
    ret

; 32-bit tables: 0-4 MiB identity, ALIAS -> FRAME_A, ALIAS_RO -> FRAME_B (read-
; only), ALIAS_NP not present.  Frames A, B, C hold 0xaaaa0001, 0xbbbbbbbb,
; 0xcccc0001 in their first dword.
build_tables32:
    mov edi, PD32
    mov ecx, 1024
    call zero_dwords
    mov edi, PT_ALIAS
    mov ecx, 1024
    call zero_dwords
    mov edi, PT_LOW
    mov eax, 0 | PTE_P | PTE_RW
    call fill_pt32
    mov dword [PD32 + 0], PT_LOW | PTE_P | PTE_RW
    mov dword [PD32 + 4], PT_ALIAS | PTE_P | PTE_RW
    mov dword [PT_ALIAS + 0], FRAME_A | PTE_P | PTE_RW
    mov dword [PT_ALIAS + 4], FRAME_B | PTE_P
    mov dword [FRAME_A], 0xaaaa0001
    mov dword [FRAME_B], 0xbbbbbbbb
    mov dword [FRAME_C], 0xcccc0001
    mov eax, PD32
    mov cr3, eax
    ret

paging_on:
    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
    ret

pm_paging32:
    call build_tables32
    call paging_on
    mov dword [ALIAS + 0x10], 0x12345678
    mov eax, [FRAME_A + 0x10]
    mov [R0], eax
    mov eax, [PT_ALIAS + 0]
    and eax, PTE_A | PTE_D
    mov [R1], eax
    mov eax, [PD32 + 4]
    and eax, PTE_A | PTE_D
    mov [R2], eax
    mov eax, [ALIAS_RO]
    mov [R4], eax
    mov eax, [PT_ALIAS + 4]
    and eax, PTE_A | PTE_D
    mov [R3], eax
    ret

pm_faults32:
    call build_tables32
    call paging_on
    EXPECT_PF .after_np
    mov dword [ALIAS_NP + 0x10], 1
.after_np:
    mov eax, [PF_ERR]
    mov [R0], eax
    mov eax, [PF_CR2]
    mov [R1], eax
    ; CR0.WP = 0: supervisor writes ignore R/W = 0 (§4.6.1).
    mov dword [ALIAS_RO + 4], 0x5555aaaa
    mov eax, [FRAME_B + 4]
    mov [R2], eax
    mov eax, cr0
    or eax, CR0_WP
    mov cr0, eax
    EXPECT_PF .after_wp
    mov dword [ALIAS_RO + 4], 0
.after_wp:
    mov eax, [PF_ERR]
    mov [R3], eax
    mov eax, [PF_CR2]
    mov [R4], eax
    ; A write crossing from a writable page into the read-only one faults
    ; without writing its first half.
    mov dword [FRAME_A + 0xffc], 0x11223344
    EXPECT_PF .after_split
    mov dword [ALIAS + 0xffe], 0xffffffff
.after_split:
    mov eax, [FRAME_A + 0xffc]
    mov [R5], eax
    ; A not-present read: the fourth fault.
    EXPECT_PF .after_read
    mov eax, [ALIAS_NP]
.after_read:
    ret

pm_invlpg:
    call build_tables32
    call paging_on
    mov eax, [ALIAS]
    mov [R0], eax
    mov dword [PT_ALIAS + 0], FRAME_C | PTE_P | PTE_RW
    invlpg [ALIAS]
    mov eax, [ALIAS]
    mov [R1], eax
    ret

pm_pse:
    call build_tables32
    ; PDE 2: linear 0x00800000-0x00bfffff -> physical 0-4 MiB.
    mov dword [PD32 + 8], 0 | PTE_P | PTE_RW | PTE_PS
    mov eax, cr4
    or eax, CR4_PSE
    mov cr4, eax
    call paging_on
    mov eax, [0x800000 + FRAME_A]
    mov [R0], eax
    mov dword [0x800000 + FRAME_A + 0x20], 0x0badf00d
    mov eax, [FRAME_A + 0x20]
    mov [R1], eax
    mov eax, [PD32 + 8]
    and eax, PTE_A | PTE_D
    mov [R2], eax
    ret

; PAE tables: 0-2 MiB identity (4 KiB pages); linear 0x00600000 is a 2 MiB page
; onto physical 0; ALIAS -> FRAME_A; ALIAS_NX -> FRAME_C with XD.
pm_pae:
    mov edi, PDPT
    mov ecx, 8
    call zero_dwords
    mov edi, PD_PAE
    mov ecx, 1024
    call zero_dwords
    mov edi, PT_PAE_ALIAS
    mov ecx, 1024
    call zero_dwords
    ; identity PTEs for 0-2 MiB: 512 entries of 8 bytes
    mov edi, PT_PAE_LOW
    mov eax, 0 | PTE_P | PTE_RW
    mov ecx, 512
.ident:
    mov [edi], eax
    mov dword [edi + 4], 0
    add eax, 0x1000
    add edi, 8
    sub ecx, 1
    jnz .ident
    mov dword [PDPT + 0], PD_PAE | PTE_P
    mov dword [PD_PAE + 0 * 8], PT_PAE_LOW | PTE_P | PTE_RW
    mov dword [PD_PAE + 2 * 8], PT_PAE_ALIAS | PTE_P | PTE_RW
    mov dword [PD_PAE + 3 * 8], 0 | PTE_P | PTE_RW | PTE_PS
    mov dword [PT_PAE_ALIAS + 0 * 8], FRAME_A | PTE_P | PTE_RW
    mov dword [PT_PAE_ALIAS + 3 * 8], FRAME_C | PTE_P | PTE_RW
    mov dword [PT_PAE_ALIAS + 3 * 8 + 4], 0x80000000    ; XD
    mov dword [FRAME_A], 0xaaaa0001
    mov dword [FRAME_C], 0xcccc0001
    ; EFER.NXE makes bit 63 the XD flag (otherwise it is reserved).
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_NXE
    wrmsr
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, PDPT
    mov cr3, eax
    call paging_on
    mov eax, [ALIAS]
    mov [R0], eax
    mov eax, [0x600000 + FRAME_C]
    mov [R1], eax
    mov dword [ALIAS + 8], 1
    mov eax, [PT_PAE_ALIAS]
    and eax, PTE_A | PTE_D
    mov [R2], eax
    ; FRAME_C gets a RET; calling it through the XD page faults on the fetch.
    mov byte [ALIAS_NX + 0x100], 0xc3
    mov eax, [ALIAS_NX + 0x100]
    and eax, 0xff
    mov [R5], eax
    EXPECT_PF .after_nx
    ; The target is a linear address; CS has base F0000h, so call through a
    ; register holding the offset from that base.
    ; ESP is saved: the CALL completes (pushing its return address) before the
    ; fetch at the target faults, and if the fetch wrongly succeeds the RET
    ; returns to .after_nx.
    mov [PM_SAVED_ESP], esp
    mov eax, ALIAS_NX + 0x100 - 0xf0000
    call eax
.after_nx:
    mov esp, [PM_SAVED_ESP]
    mov eax, [PF_ERR]
    mov [R3], eax
    mov eax, [PF_CR2]
    mov [R4], eax
    ; Leave EFER.NXE as it was.
    mov ecx, MSR_EFER
    rdmsr
    and eax, ~EFER_NXE
    wrmsr
    ret

; 4-level tables: 0-2 MiB identity (4 KiB pages); linear 0x00400000 is a
; 2 MiB page onto physical 0; linear 0x40000000 a 1 GiB page onto physical 0
; (only used with Page1GB); HIGH_HALF -> FRAME_B, HIGH_HALF + 0x1000 not
; present.
build_tables64:
    mov edi, PML4
    mov ecx, 7 * 1024
    call zero_dwords                ; PML4 ... PT_HIGH
    mov edi, PT_LOW64
    mov eax, 0 | PTE_P | PTE_RW
    mov ecx, 512
.ident:
    mov [edi], eax
    add eax, 0x1000
    add edi, 8
    sub ecx, 1
    jnz .ident
    mov dword [PML4 + 0 * 8], PDPT_LOW | PTE_P | PTE_RW
    mov dword [PML4 + 256 * 8], PDPT_HIGH | PTE_P | PTE_RW
    mov dword [PDPT_LOW + 0 * 8], PD_LOW | PTE_P | PTE_RW
    mov dword [PDPT_LOW + 1 * 8], 0 | PTE_P | PTE_RW | PTE_PS
    mov dword [PD_LOW + 0 * 8], PT_LOW64 | PTE_P | PTE_RW
    mov dword [PD_LOW + 2 * 8], 0 | PTE_P | PTE_RW | PTE_PS
    mov dword [PDPT_HIGH], PD_HIGH | PTE_P | PTE_RW
    mov dword [PD_HIGH], PT_HIGH | PTE_P | PTE_RW
    mov dword [PT_HIGH], FRAME_B | PTE_P | PTE_RW
    mov dword [FRAME_A], 0xaaaa0001
    ret

pm_long:
    mov eax, 0x80000001
    cpuid
    shr edx, 26
    and edx, 1
    mov [HAS_1G], edx
    call build_tables64
    ; §9.8.5: PAE, CR3, EFER.LME, then paging: IA-32e mode (compatibility mode
    ; while CS stays a 32-bit segment).
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, PML4
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME
    wrmsr
    call paging_on
    jmp SEL_CODE64:(0xf0000 + lm_entry)

[bits 64]
lm_entry:
    lidt [0xf0000 + idt64_desc]
    mov eax, [0x400000 + FRAME_A]
    mov [R0], eax
    mov rbx, HIGH_HALF
    mov dword [rbx + 0x10], 0x600dbeef
    mov eax, [FRAME_B + 0x10]
    mov [R1], eax
    mov eax, [PT_HIGH]
    and eax, PTE_A | PTE_D
    mov [R2], eax
    mov eax, [PML4 + 256 * 8]
    and eax, PTE_A | PTE_D
    mov [R3], eax
    ; Not present in the high half: #PF with the whole 64-bit CR2.
    mov dword [PF_RESUME], .after_np
    mov dword [rbx + 0x1008], 1
.after_np:
    mov eax, [FAULT_VEC]
    mov [R4], eax
    mov eax, [PF_ERR]
    mov [R5], eax
    mov eax, [PF_CR2]
    mov [R_CR2_LO], eax
    mov eax, [PF_CR2_HI]
    mov [R_CR2_HI], eax
    ; The 1 GiB page, when the CPU has them. Without Page1GB, PS in a PDPTE is
    ; a reserved bit (SDM 3A §4.5.4), but QEMU 7.2 maps the page anyway, so
    ; that case is left to the unit tests.
    mov dword [R_1G], 1
    cmp dword [HAS_1G], 0
    je .done_1g
    mov dword [R_1G], 0
    mov eax, [0x40000000 + FRAME_A]
    cmp eax, 0xaaaa0001
    jne .done_1g
    mov dword [R_1G], 1
.done_1g:
    ; A non-canonical address: #GP(0), not #PF.
    mov dword [PF_RESUME], .after_nc
    mov rbx, 0x0000800000000000
    mov eax, [rbx]
.after_nc:
    mov eax, [FAULT_VEC]
    mov [R_NC_VEC], eax
    mov eax, [PF_ERR]
    mov [R_NC_ERR], eax
lm_exit64:
    ; Back to compatibility mode through a far return to the 32-bit segment.
    push qword SEL_CODE32
    push qword lm_back
    o64 retf

; #PF and #GP in 64-bit mode: record vector, error code and CR2, resume at
; [PF_RESUME] (a ROM offset; CS base is 0 in 64-bit mode).
pf64:
    push rax
    mov eax, EXC_PF
    jmp fault64
gp64:
    push rax
    mov eax, EXC_GP
fault64:
    mov [FAULT_VEC], eax
    mov rax, [rsp + 8]
    mov [PF_ERR], eax
    mov rax, cr2
    mov [PF_CR2], eax
    shr rax, 32
    mov [PF_CR2_HI], eax
    mov eax, [PF_RESUME]
    add rax, 0xf0000
    mov [rsp + 16], rax
    add dword [PF_COUNT], 1
    pop rax
    add rsp, 8
    iretq

unexpected64:
    pop rax
    mov [UNEXP_VEC], eax
    jmp lm_exit64

lm_stubs:
%assign v 0
%rep 32
    push byte v
    jmp near unexpected64
%assign v v + 1
%endrep
%if ($ - lm_stubs) != PM_STUB_SIZE * 32
%error "long-mode stubs are not 7 bytes each"
%endif

[bits 32]
lm_back:
    ; §9.8.5.4: paging off in compatibility mode leaves IA-32e mode; then LME.
    mov eax, cr0
    and eax, ~CR0_PG
    mov cr0, eax
    mov ecx, MSR_EFER
    rdmsr
    and eax, ~EFER_LME
    wrmsr
    jmp pm_leave

; ------------------------------------------------- protected-mode handlers

; #PF: records the error code and CR2, resumes at [PF_RESUME] (interrupt gate,
; same privilege: the frame is EIP, CS, EFLAGS after the error code).
pf_handler:
    pop dword [PF_ERR]
    push eax
    mov eax, cr2
    mov [PF_CR2], eax
    mov eax, [PF_RESUME]
    mov [esp + 4], eax
    add dword [PF_COUNT], 1
    pop eax
    iretd

; Any other exception: record the vector and leave protected mode.
unexpected:
    pop eax
    mov [UNEXP_VEC], eax
    jmp pm_leave

; One stub per vector but 14: pushes the vector, joins `unexpected`.
pm_stubs:
%assign v 0
%rep 32
    push byte v
    jmp near unexpected
%assign v v + 1
%endrep
%if ($ - pm_stubs) != PM_STUB_SIZE * 32
%error "protected-mode stubs are not 7 bytes each"
%endif

; ------------------------------------------- entering and leaving protected mode

[bits 16]
; run_pm (near call, real mode): EBX = CS offset of a 32-bit routine.  Runs it at
; CPL 0 with flat data segments, then returns to real mode with paging off.
run_pm:
    cli
    mov [RM_SP], sp
    mov dword [PF_COUNT], 0
    mov dword [PF_ERR], 0xffffffff
    mov dword [PF_CR2], 0xffffffff
    mov dword [UNEXP_VEC], 0xffffffff
    o32 lgdt [cs:gdt_desc]
    o32 lidt [cs:idt_desc]
    mov eax, cr0
    or eax, CR0_PE
    mov cr0, eax
    jmp dword SEL_CODE32:pm_entry

[bits 32]
pm_entry:
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, PM_STACK_TOP
    call ebx
pm_leave:
    ; §9.9.2: paging off first (identity-mapped code), then a 16-bit code
    ; segment, real-mode-like data segments, PE off and a far jump.
    mov eax, cr0
    and eax, ~(CR0_PG | CR0_WP)
    mov cr0, eax
    mov eax, 0
    mov cr3, eax
    mov cr4, eax
    jmp SEL_CODE16:pm16

[bits 16]
pm16:
    mov ax, SEL_DATA16
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr0
    and eax, ~CR0_PE
    mov cr0, eax
    jmp ROM_SEG:rm_back
rm_back:
    mov ax, 0
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, [RM_SP]
    o32 lidt [cs:rm_idt_desc]
    ret

; --------------------------------------------------------------- tables

align 8
gdt:
    dq 0
    ; 32-bit code, base F0000h, limit 4 GiB (G), DPL 0, execute/read
    dw 0xffff, 0x0000
    db 0x0f, 0x9a, 0xcf, 0x00
    ; 32-bit data, flat
    dw 0xffff, 0x0000
    db 0x00, 0x92, 0xcf, 0x00
    ; 16-bit code, base F0000h, limit 64 KiB
    dw 0xffff, 0x0000
    db 0x0f, 0x9a, 0x00, 0x00
    ; 16-bit data, base 0, limit 64 KiB
    dw 0xffff, 0x0000
    db 0x00, 0x92, 0x00, 0x00
    ; 64-bit code (L = 1, D = 0), DPL 0
    dw 0xffff, 0x0000
    db 0x00, 0x9a, 0xaf, 0x00
gdt_end:

gdt_desc:
    dw gdt_end - gdt - 1
    dd 0xf0000 + gdt

; 32-bit interrupt gates (type 0Eh, DPL 0, present) to the stubs, and #PF to
; pf_handler.  Offsets are ROM offsets (CS base F0000h), all below 64 KiB.
align 8
idt:
%assign v 0
%rep 32
%if v == 14
    dw pf_handler
%else
    dw pm_stubs + v * PM_STUB_SIZE
%endif
    dw SEL_CODE32
    db 0, 0x8e
    dw 0
%assign v v + 1
%endrep
idt_end:

idt_desc:
    dw idt_end - idt - 1
    dd 0xf0000 + idt

; 64-bit interrupt gates (16 bytes, §6.14.1): offsets are linear (F0000h + ROM
; offset) since CS base is 0 in 64-bit mode.
align 8
idt64:
%assign v 0
%rep 32
%if v == 14
    dw pf64
%elif v == 13
    dw gp64
%else
    dw lm_stubs + v * PM_STUB_SIZE
%endif
    dw SEL_CODE64
    db 0, 0x8e
    dw 0x000f                       ; offset bits 31:16 (the ROM is at F0000h)
    dd 0, 0
%assign v v + 1
%endrep
idt64_end:

idt64_desc:
    dw idt64_end - idt64 - 1
    dq 0xf0000 + idt64

rm_idt_desc:
    dw 0x3ff
    dd 0

    ROM_END
