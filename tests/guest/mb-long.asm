; mb-long.asm - IA-32e mode (SDM Vol 3A §9.8.5, chapters 4 and 6): entering
; long mode from 32-bit protected mode, 64-bit code, 4-level paging with 4 KiB,
; 2 MiB and 1 GiB pages, compatibility mode and back, a 64-bit IDT with IST
; stacks, IRETQ (also to CPL 3), SYSCALL/SYSRET, SWAPGS and FS/GS bases, and
; #GP for non-canonical data addresses. (A jump to a non-canonical target is
; not tested: Intel faults on the jump, QEMU 7.2 on the target.)
;
; 64-bit code cannot call the harness's 32-bit routines, so this kernel has a
; 64-bit copy of the reporting (AREA64, CHECK64, EXPECT64 and a 64-bit IDT)
; sharing the harness's counters; code running in compatibility mode uses the
; ordinary 32-bit macros. Needs 1 GiB pages: run with -cpu max (mb-long.args).
%include "lib32.inc"

KCODE64         equ 0x40                ; 64-bit code, DPL 0 (STAR[47:32])
KDATA64         equ 0x48                ; data, DPL 0 (SYSCALL's SS)
UCODE32         equ 0x50 | 3            ; STAR[63:48]: 32-bit user code
UDATA64         equ 0x58 | 3            ; SYSRET's SS
UCODE64         equ 0x60 | 3            ; 64-bit SYSRET's CS
TSS64           equ 0x68                ; 16-byte descriptor (0x68 and 0x70)

PML4            equ TEST_RAM
PDPT            equ TEST_RAM + 0x1000
PD0             equ TEST_RAM + 0x2000   ; 0-1 GiB: 2 MiB pages but PD0[4]
PT_TEST         equ TEST_RAM + 0x3000   ; 8 MiB: 4 KiB pages
PAGE1           equ TEST_RAM + 0x10000
RSP0_TOP        equ TEST_RAM + 0x21000
IST1_TOP        equ TEST_RAM + 0x22000
IST2_TOP        equ TEST_RAM + 0x23000
USER_RSP        equ TEST_RAM + 0x24000
IDT64           equ TEST_RAM + 0x30000

V_4K            equ 0x00800000          ; PT_TEST[0] -> PAGE1
V_1G            equ 0x40000000          ; PDPT[1]: 1 GiB page at physical 0
V_HIGH          equ 0xffffff8000000000  ; PML4[511] -> PDPT
V_ABSENT        equ 0x0000008000000000  ; PML4[1] is not present
NONCANONICAL    equ 0x0000800000000000

PTE_P           equ 0x001
PTE_W           equ 0x002
PTE_U           equ 0x004
PTE_PS          equ 0x080
PTE_PWU         equ PTE_P | PTE_W | PTE_U

CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
MSR_EFER        equ 0xc0000080
EFER_SCE        equ 1 << 0
EFER_LME        equ 1 << 8
EFER_LMA        equ 1 << 10
EFER_NXE        equ 1 << 11
MSR_STAR        equ 0xc0000081
MSR_LSTAR       equ 0xc0000082
MSR_FMASK       equ 0xc0000084
MSR_FS_BASE     equ 0xc0000100
MSR_GS_BASE     equ 0xc0000101
MSR_KGS_BASE    equ 0xc0000102

TSS64_RSP0      equ 0x04
TSS64_IST1      equ 0x24
TSS64_IST2      equ 0x2c
TSS64_IOMAP     equ 0x66

VEC_IST2        equ 0x40                ; interrupt gate using IST2
NO_VECTOR64     equ -1                  ; exc_vec when nothing was delivered

; The 64-bit reporting macros (same contracts as AREA, CHECK, EXPECT,
; NO_EXCEPTION and CHECK_EXC, with 64-bit values and RIP)
%macro AREA64 1
    push rsi
    mov rsi, %%name
    call area_begin64
    pop rsi
    jmp %%over
%%name: db %1, 0
%%over:
%endmacro

; CHECK64 "name", r/m64, want (imm64, register other than rax, memory)
%macro CHECK64 3
    pushfq
    push rax
    push rbx
    mov rax, %2
    mov rbx, %3
    cmp rax, rbx
    je %%ok
    push rsi
    mov rsi, %%name
    call report_fail64
    pop rsi
%%ok:
    pop rbx
    pop rax
    popfq
    jmp %%over
%%name: db %1, 0
%%over:
%endmacro

%macro EXPECT64 2
    mov qword [rel exc_vec], NO_VECTOR64
    mov qword [rel resume_rip], %2
    mov [rel resume_rsp], rsp
    mov qword [rel expect_vec], %1
%endmacro

%macro NO_EXCEPTION64 0
    mov qword [rel expect_vec], NO_VECTOR64
%endmacro

%macro CHECK_EXC64 4
    CHECK64 {%1, " vector"}, [rel exc_vec], %2
    CHECK64 {%1, " error"}, [rel exc_err], %3
    CHECK64 {%1, " rip"}, [rel exc_rip], %4
%endmacro

; ---------------------------------------------------------- 32-bit start
[bits 32]
start:
    call build_page_tables
    call build_idt64
    SET_DESC KCODE64, 0, 0xfffff, ACC_CODE_R, FL_G | FL_L
    SET_DESC KDATA64, 0, 0xfffff, ACC_DATA_W, FL_G | FL_DB
    SET_DESC UCODE32, 0, 0xfffff, ACC_CODE_R | ACC_DPL3, FL_G | FL_DB
    SET_DESC UDATA64, 0, 0xfffff, ACC_DATA_W | ACC_DPL3, FL_G | FL_DB
    SET_DESC UCODE64, 0, 0xfffff, ACC_CODE_R | ACC_DPL3, FL_G | FL_L
    SET_DESC TSS64, tss64, 0x67, ACC_P | SYS_TSS32, 0  ; type 9: 64-bit TSS
    mov dword [tss64 + TSS64_RSP0], RSP0_TOP
    mov dword [tss64 + TSS64_IST1], IST1_TOP
    mov dword [tss64 + TSS64_IST2], IST2_TOP
    mov word [tss64 + TSS64_IOMAP], 0x68

    AREA "enter long mode"
    ; SDM Vol 3A §9.8.5: PAE on, CR3, EFER.LME, then CR0.PG activates
    ; IA-32e mode (EFER.LMA) in compatibility mode; a far jump to a 64-bit
    ; code segment enters 64-bit mode.
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, PML4
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME | EFER_SCE | EFER_NXE
    wrmsr
    rdmsr
    and eax, EFER_LME | EFER_LMA
    CHECK "lme set, lma clear", eax, EFER_LME
    lidt [idtr64]                       ; 32-bit gates are invalid in IA-32e mode
    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
    mov ecx, MSR_EFER                   ; compatibility mode now
    rdmsr
    and eax, EFER_LME | EFER_LMA
    CHECK "lma after cr0.pg", eax, EFER_LME | EFER_LMA
    jmp KCODE64:long_entry

; -------------------------------------------------------------- 64-bit code
[bits 64]
long_entry:
    mov ax, KDATA
    mov ss, ax
    mov ds, ax
    mov es, ax
    mov rsp, lib_stack_top
    mov ax, TSS64
    ltr ax

    AREA64 "64-bit code"
    xor eax, eax
    mov ax, cs
    CHECK64 "cs", rax, KCODE64
    mov rax, 0x123456789abcdef0
    mov rbx, rax
    shr rbx, 32
    CHECK64 "64-bit register", rbx, 0x12345678
    mov rcx, -1
    mov ecx, 5                          ; 32-bit writes zero-extend
    CHECK64 "zero-extension", rcx, 5
    mov rdx, rsp
    push rax
    sub rdx, rsp
    pop rax
    CHECK64 "push is 8 bytes", rdx, 8
    lea rax, [rel .here]                ; RIP-relative addressing
.here:
    mov rbx, .here
    CHECK64 "rip-relative lea", rax, rbx

    AREA64 "4-level paging"
    mov rbx, V_4K
    mov eax, [rbx]
    CHECK64 "4 KiB page", rax, 0x11111111
    mov rbx, V_1G + probe
    mov eax, [rbx]
    CHECK64 "1 GiB page", rax, 0xfeedc0de
    mov rbx, V_HIGH + probe             ; upper half: PML4[511]
    mov eax, [rbx]
    CHECK64 "upper-half address", rax, 0xfeedc0de
    mov rbx, V_1G + 0x200000            ; 2 MiB page via the 1 GiB alias
    mov rcx, 0x200000
    mov eax, [rbx]
    mov edx, [rcx]
    CHECK64 "2 MiB page", rax, rdx
    mov rbx, V_ABSENT + 0x123
    EXPECT64 V_PF, .absent_done
.absent:
    mov eax, [rbx]
    NO_EXCEPTION64
.absent_done:
    CHECK_EXC64 "not-present pml4e", V_PF, 0, .absent
    mov rax, cr2
    CHECK64 "64-bit cr2", rax, V_ABSENT + 0x123

    AREA64 "compatibility mode"
    mov [rel saved_rsp], rsp
    call far dword [rel compat_ptr]     ; m16:32, 32-bit operand size
    mov rdx, rsp
    mov rbx, [rel saved_rsp]
    CHECK64 "far call/retf balanced", rdx, rbx
    mov eax, [rel compat_cs]
    CHECK64 "cs in compatibility mode", rax, KCODE
    mov eax, [rel compat_dec]
    CHECK64 "0x48 is dec eax there", rax, 4
    mov eax, [rel compat_push]
    CHECK64 "push is 4 bytes there", rax, 4
    jmp far dword [rel compat_jmp_ptr]
back_to_64:
    xor eax, eax
    mov ax, cs
    CHECK64 "back in 64-bit mode", rax, KCODE64

    AREA64 "iretq"
    ; SDM Vol 3A §6.14.3: IRETQ pops RIP, CS, RFLAGS, RSP and SS
    mov rbx, rsp
    xor eax, eax
    mov ax, ss
    push rax                            ; SS
    lea rax, [rbx - 64]
    push rax                            ; RSP
    push qword 0x202 | F_DF             ; RFLAGS
    push qword KCODE64
    lea rax, [rel .landed]
    push rax
    iretq
.landed:
    mov rdx, rsp
    lea rcx, [rbx - 64]
    pushfq
    pop rax
    cld
    cli
    mov rsp, rbx
    CHECK64 "rsp popped", rdx, rcx
    and eax, F_DF | F_IF
    CHECK64 "rflags popped", rax, F_DF | F_IF
    EXPECT64 RING0_VEC, .user_done
    push qword UDATA64
    push qword USER_RSP
    push qword 2
    push qword UCODE64
    lea rax, [rel ring3_64]
    push rax
    iretq
.user_done:
    CHECK64 "cpl 3: vector", [rel exc_vec], RING0_VEC
    CHECK64 "cpl 3: cs", [rel exc_cs], UCODE64
    CHECK64 "cpl 3: ss", [rel exc_ss], UDATA64
    CHECK64 "cpl 3: rsp", [rel exc_rsp], USER_RSP
    CHECK64 "frame on rsp0", [rel exc_frame], RSP0_TOP - 40
    CHECK64 "user code ran", [rel user_cs], UCODE64

    AREA64 "ist"
    ; SDM Vol 3A §6.14.5: a gate's IST field selects the stack from the TSS,
    ; even without a privilege change; §6.14.2: SS:RSP are always pushed.
    EXPECT64 VEC_IST2, .ist2_done
    mov rbx, rsp
    int VEC_IST2
.ist2_next:
    NO_EXCEPTION64
.ist2_done:
    CHECK_EXC64 "int via ist2", VEC_IST2, 0, .ist2_next
    CHECK64 "ist2 frame", [rel exc_frame], IST2_TOP - 40
    CHECK64 "pushed rsp", [rel exc_rsp], rbx
    ; #DF on IST1: #GP whose gate is not present gives #NP, then #DF
    mov byte [IDT64 + V_GP * 16 + 5], SYS_INTGATE32
    mov ax, GDT_ENTRIES * 8             ; beyond the GDT limit: #GP
    EXPECT64 V_DF, .df_done
    mov ds, ax
    NO_EXCEPTION64
.df_done:
    mov byte [IDT64 + V_GP * 16 + 5], ACC_P | SYS_INTGATE32
    CHECK64 "#df vector", [rel exc_vec], V_DF
    CHECK64 "#df error", [rel exc_err], 0
    CHECK64 "#df frame on ist1", [rel exc_frame], IST1_TOP - 40

    AREA64 "syscall/sysret"
    ; SDM Vol 2B SYSCALL: RCX = next RIP, R11 = RFLAGS, CS/SS from
    ; STAR[47:32], RFLAGS &= ~FMASK; SYSRET (REX.W) returns to
    ; STAR[63:48] + 16 with RPL 3, SS = STAR[63:48] + 8.
    mov ecx, MSR_STAR
    mov eax, 0
    mov edx, (UCODE32 & ~3) << 16 | KCODE64
    wrmsr
    mov ecx, MSR_LSTAR
    lea rax, [rel syscall_entry]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, MSR_FMASK
    mov eax, F_DF | F_IF | F_TF | F_AC
    xor edx, edx
    wrmsr
    EXPECT64 RING0_VEC, .sys_done
    push qword UDATA64
    push qword USER_RSP
    push qword F_IF | 2                 ; CPL 3 with IOPL 0 cannot set IF itself
    push qword UCODE64
    lea rax, [rel ring3_syscall]
    push rax
    iretq
.sys_done:
    lea rax, [rel ring3_syscall.next]
    CHECK64 "rcx = return rip", [rel sys_rcx], rax
    CHECK64 "r11 = rflags", [rel sys_r11], F_DF | F_IF | 2
    CHECK64 "kernel cs", [rel sys_cs], KCODE64
    CHECK64 "kernel ss", [rel sys_ss], KDATA64
    CHECK64 "rflags masked", [rel sys_rflags], 2
    CHECK64 "user cs after sysret", [rel user_cs], UCODE64
    CHECK64 "user ss after sysret", [rel user_ss], UDATA64
    CHECK64 "user rflags after sysret", [rel user_rflags], F_DF | F_IF | 2

    AREA64 "swapgs and fs/gs base"
    mov ecx, MSR_GS_BASE
    mov eax, gs_area
    xor edx, edx
    wrmsr
    mov ecx, MSR_KGS_BASE
    mov eax, kgs_area
    wrmsr
    mov ecx, MSR_FS_BASE
    mov eax, kgs_area
    wrmsr
    mov rax, [gs:0]
    CHECK64 "read via gs base", rax, 0x6565656565656565
    mov rax, [fs:0]
    CHECK64 "read via fs base", rax, 0x4b4b4b4b4b4b4b4b
    swapgs
    mov rax, [gs:0]
    CHECK64 "gs base after swapgs", rax, 0x4b4b4b4b4b4b4b4b
    mov ecx, MSR_KGS_BASE
    rdmsr
    CHECK64 "kernel gs base after swapgs", rax, gs_area
    swapgs
    mov ecx, MSR_GS_BASE
    rdmsr
    CHECK64 "swapgs twice", rax, gs_area

    AREA64 "non-canonical"
    ; SDM Vol 3A §3.3.7.1: a non-canonical data address is #GP(0)
    mov rbx, NONCANONICAL
    EXPECT64 V_GP, .nc_done
.nc:
    mov rax, [rbx]
    NO_EXCEPTION64
.nc_done:
    CHECK_EXC64 "load", V_GP, 0, .nc
    mov rbx, -NONCANONICAL - 8
    EXPECT64 V_GP, .nc2_done
.nc2:
    mov [rbx], rax
    NO_EXCEPTION64
.nc2_done:
    CHECK_EXC64 "store", V_GP, 0, .nc2
    mov rbx, V_HIGH + probe             ; canonical upper half: fine
    mov eax, [rbx]
    CHECK64 "canonical upper half", rax, 0xfeedc0de

    jmp finish64

; -------------------------------------------------------- CPL 3, 64-bit
ring3_64:
    mov [rel user_cs], cs
    int RING0_VEC

ring3_syscall:
    std
    syscall
.next:
    mov [rel user_cs], cs
    mov [rel user_ss], ss
    pushfq
    pop rax
    and eax, F_DF | F_IF | 2
    mov [rel user_rflags], rax
    cld
    int RING0_VEC

syscall_entry:                          ; CPL 0, still on the user stack
    mov [rel sys_rcx], rcx
    mov [rel sys_r11], r11
    and qword [rel sys_r11], F_DF | F_IF | 2
    mov word [rel sys_cs], cs
    mov word [rel sys_ss], ss
    pushfq
    pop rax
    and eax, F_DF | F_IF | F_TF | F_AC | 2
    mov [rel sys_rflags], rax
    o64 sysret

; ------------------------------------------------ compatibility-mode code
[bits 32]
compat_code:                            ; called by a 64-bit far call
    mov [compat_cs], cs
    mov eax, 5
    db 0x48                             ; dec eax here, REX.W in 64-bit mode
    nop
    mov [compat_dec], eax
    mov ecx, esp
    push eax
    sub ecx, esp
    pop eax
    mov [compat_push], ecx
    CHECK "compatibility mode check", ecx, 4
    retf

compat_jmp_target:
    mov eax, cr0                        ; still paged, in IA-32e mode
    and eax, CR0_PG
    CHECK "paging on in compatibility mode", eax, CR0_PG
    jmp KCODE64:back_to_64

; build_page_tables: identity map of 0-1 GiB (user, writable) with 2 MiB
; pages but 8-10 MiB in 4 KiB pages, the 1 GiB alias and PML4[511].
build_page_tables:
    mov edi, PML4
    mov ecx, 4 * 4096 / 4
    xor eax, eax
    rep stosd
    mov dword [PML4], PDPT | PTE_PWU
    mov dword [PML4 + 511 * 8], PDPT | PTE_PWU
    mov dword [PDPT], PD0 | PTE_PWU
    mov dword [PDPT + 8], 0 | PTE_PS | PTE_PWU    ; 1 GiB page at 0
    mov edi, PD0
    mov eax, PTE_PS | PTE_PWU
.pd:
    mov [edi], eax
    add edi, 8
    add eax, 0x200000
    cmp edi, PD0 + 4096
    jne .pd
    mov dword [PD0 + 4 * 8], PT_TEST | PTE_PWU
    mov dword [PT_TEST], PAGE1 | PTE_PWU
    mov dword [PAGE1], 0x11111111
    ret

; build_idt64: 16-byte interrupt gates to stubs64 (SDM Vol 3A §6.14.1);
; #DF on IST1, VEC_IST2 on IST2, RING0_VEC reachable from CPL 3.
build_idt64:
    xor esi, esi
.gate:
    mov edi, esi
    shl edi, 4
    add edi, IDT64
    mov eax, [stub64_table + esi * 4]
    mov [edi], ax
    mov word [edi + 2], KCODE64
    mov byte [edi + 4], 0
    mov byte [edi + 5], ACC_P | SYS_INTGATE32
    shr eax, 16
    mov [edi + 6], ax
    mov dword [edi + 8], 0
    mov dword [edi + 12], 0
    inc esi
    cmp esi, 256
    jne .gate
    mov byte [IDT64 + V_DF * 16 + 4], 1
    mov byte [IDT64 + VEC_IST2 * 16 + 4], 2
    mov byte [IDT64 + RING0_VEC * 16 + 5], ACC_P | ACC_DPL3 | SYS_INTGATE32
    ret

; ------------------------------------------------------ the 64-bit harness
[bits 64]
putc64:                                 ; AL -> COM1
    push rdx
    push rax
    mov dx, UART_LSR
.wait:
    in al, dx
    test al, LSR_THRE
    jz .wait
    pop rax
    mov dx, UART_THR
    out dx, al
    pop rdx
    ret

puts64:                                 ; RSI: NUL-terminated
    push rax
    push rsi
.next:
    mov al, [rsi]
    test al, al
    jz .done
    call putc64
    inc rsi
    jmp .next
.done:
    pop rsi
    pop rax
    ret

puthex64:                               ; RAX, RCX hex digits (low ones)
    push rax
    push rbx
    push rcx
    push rdx
    mov rdx, rax
    mov rbx, 16
.skip:
    cmp rbx, rcx
    je .digits
    shl rdx, 4
    dec rbx
    jmp .skip
.digits:
    rol rdx, 4
    mov eax, edx
    and eax, 0x0f
    mov al, [lib_hex_digits + rax]
    call putc64
    dec rcx
    jnz .digits
    pop rdx
    pop rcx
    pop rbx
    pop rax
    ret

close_line64:
    cmp dword [rel lib_line_open], 0
    je .done
    push rsi
    mov rsi, lib_str_crlf
    call puts64
    pop rsi
    mov dword [rel lib_line_open], 0
.done:
    ret

area_end64:
    push rsi
    cmp dword [rel lib_area_name], 0
    je .done
    cmp dword [rel lib_area_fails], 0
    jne .failed
    mov rsi, lib_str_ok
    call puts64
    jmp .closed
.failed:
    mov esi, [rel lib_area_name]
    call puts64
    mov rsi, lib_str_area_failed
    call puts64
.closed:
    mov dword [rel lib_area_name], 0
    mov dword [rel lib_line_open], 0
.done:
    pop rsi
    ret

area_begin64:                           ; RSI = name
    call area_end64
    mov [rel lib_area_name], esi
    mov dword [rel lib_area_fails], 0
    call puts64
    push rsi
    mov rsi, lib_str_colon
    call puts64
    pop rsi
    mov dword [rel lib_line_open], 1
    ret

report_fail64:                          ; RSI name, RAX got, RBX want
    push rcx
    inc dword [rel lib_fail_total]
    inc dword [rel lib_area_fails]
    call close_line64
    push rsi
    mov rsi, lib_str_fail_prefix
    call puts64
    pop rsi
    call puts64
    mov rsi, lib_str_got
    call puts64
    mov ecx, 16
    call puthex64
    mov rsi, lib_str_want
    call puts64
    mov rax, rbx
    call puthex64
    mov rsi, lib_str_crlf
    call puts64
    pop rcx
    ret

finish64:
    call area_end64
    cmp dword [rel lib_fail_total], 0
    jne .failed
    mov rsi, lib_str_pass
    call puts64
    EXIT 0
.failed:
    mov rsi, lib_str_fail
    call puts64
    EXIT 1

stubs64:
%assign v 0
%rep 256
stub64_%[v]:
%if !LIB_HAS_ERRCODE(v)
    push qword 0
%endif
    push qword v
    jmp exc_common64
%assign v v + 1
%endrep

; Stack: vector, error code, RIP, CS, RFLAGS, RSP, SS (SDM Vol 3A §6.14.2)
exc_common64:
    mov rbp, rsp
    mov rax, [rbp]
    cmp qword [rel expect_vec], NO_VECTOR64
    je .unexpected
    cmp rax, RING0_VEC
    je .expected
    cmp rax, [rel expect_vec]
    jne .unexpected
.expected:
    mov [rel exc_vec], rax
    mov rax, [rbp + 8]
    mov [rel exc_err], rax
    mov rax, [rbp + 16]
    mov [rel exc_rip], rax
    movzx eax, word [rbp + 24]          ; selectors: the low 16 bits
    mov [rel exc_cs], rax
    mov rax, [rbp + 32]
    mov [rel exc_rflags], rax
    mov rax, [rbp + 40]
    mov [rel exc_rsp], rax
    movzx eax, word [rbp + 48]
    mov [rel exc_ss], rax
    lea rax, [rbp + 16]
    mov [rel exc_frame], rax
    mov qword [rel expect_vec], NO_VECTOR64
    mov ax, KDATA
    mov ss, ax
    mov ds, ax
    mov es, ax
    mov rsp, [rel resume_rsp]
    jmp [rel resume_rip]
.unexpected:
    call close_line64
    mov rsi, lib_str_unexpected
    call puts64
    mov rax, [rbp]
    mov ecx, 2
    call puthex64
    mov rsi, lib_str_error
    call puts64
    mov rax, [rbp + 8]
    mov ecx, 8
    call puthex64
    mov rsi, lib_str_at
    call puts64
    mov rax, [rbp + 24]
    mov ecx, 4
    call puthex64
    mov al, ':'
    call putc64
    mov rax, [rbp + 16]
    mov ecx, 16
    call puthex64
    mov rsi, lib_str_crlf
    call puts64
    mov rsi, lib_str_fail
    call puts64
    EXIT 1

; ------------------------------------------------------------------- data
align 8
stub64_table:
%assign v 0
%rep 256
    dd stub64_%[v]
%assign v v + 1
%endrep

idtr64:         dw 256 * 16 - 1
                dq IDT64
align 8
compat_ptr:     dd compat_code
                dw KCODE
align 8
compat_jmp_ptr: dd compat_jmp_target
                dw KCODE
align 8
probe:          dd 0xfeedc0de, 0
saved_rsp:      dq 0
compat_cs:      dd 0
compat_dec:     dd 0
compat_push:    dd 0, 0
expect_vec:     dq NO_VECTOR64
resume_rip:     dq 0
resume_rsp:     dq 0
exc_vec:        dq 0
exc_err:        dq 0
exc_rip:        dq 0
exc_cs:         dq 0
exc_rflags:     dq 0
exc_rsp:        dq 0
exc_ss:         dq 0
exc_frame:      dq 0
user_cs:        dq 0
user_ss:        dq 0
user_rflags:    dq 0
sys_rcx:        dq 0
sys_r11:        dq 0
sys_cs:         dq 0
sys_ss:         dq 0
sys_rflags:     dq 0
gs_area:        dq 0x6565656565656565
kgs_area:       dq 0x4b4b4b4b4b4b4b4b
align 16
tss64:          times 0x68 db 0

[bits 32]
    KERNEL_END
