; mb-sysenter.asm - SYSENTER/SYSEXIT in 32-bit protected mode (SDM Vol 2B
; SYSENTER, SYSEXIT; Vol 3A §5.8.7): the IA32_SYSENTER_CS/ESP/EIP MSRs, a
; CPL 3 -> 0 -> 3 round trip with the selectors derived from SYSENTER_CS,
; IF cleared on entry, and the #GP(0) cases.
%include "lib32.inc"

SYS_CS          equ 0x40                ; IA32_SYSENTER_CS: kernel code
SYS_SS          equ SYS_CS + 8          ; kernel stack
SYS_UCS         equ (SYS_CS + 16) | 3   ; SYSEXIT's CS
SYS_USS         equ (SYS_CS + 24) | 3   ; SYSEXIT's SS
MSR_SYSENTER_CS  equ 0x174
MSR_SYSENTER_ESP equ 0x175
MSR_SYSENTER_EIP equ 0x176
KERNEL_ESP      equ TEST_RAM + 0x1000
USER_ESP        equ lib_user_stack_top - 32
USER_ESP2       equ lib_user_stack_top - 128

; WRMSR_CONST msr, value (high half 0)
%macro WRMSR_CONST 2
    mov ecx, %1
    mov eax, %2
    xor edx, edx
    wrmsr
%endmacro

start:
    SET_DESC SYS_CS, 0, 0xfffff, ACC_CODE_R | ACC_A, FL_G | FL_DB
    SET_DESC SYS_SS, 0, 0xfffff, ACC_DATA_W | ACC_A, FL_G | FL_DB
    SET_DESC SYS_UCS, 0, 0xfffff, ACC_CODE_R | ACC_DPL3 | ACC_A, FL_G | FL_DB
    SET_DESC SYS_USS, 0, 0xfffff, ACC_DATA_W | ACC_DPL3 | ACC_A, FL_G | FL_DB

    AREA "sysenter msrs"
    WRMSR_CONST MSR_SYSENTER_CS, SYS_CS
    WRMSR_CONST MSR_SYSENTER_ESP, KERNEL_ESP
    WRMSR_CONST MSR_SYSENTER_EIP, sysenter_entry
    mov ecx, MSR_SYSENTER_CS
    rdmsr
    CHECK "sysenter_cs", eax, SYS_CS
    mov ecx, MSR_SYSENTER_ESP
    rdmsr
    CHECK "sysenter_esp", eax, KERNEL_ESP
    mov ecx, MSR_SYSENTER_EIP
    rdmsr
    CHECK "sysenter_eip", eax, sysenter_entry

    AREA "cpl 3 -> 0 -> 3"
    ; SYSENTER: CS = SYSENTER_CS, SS = +8, ESP and EIP from the MSRs, CPL 0,
    ; VM, IF and RF cleared. SYSEXIT: CS = SYSENTER_CS + 16, SS = + 24, both
    ; RPL 3, EIP = EDX, ESP = ECX.
    EXPECT RING0_VEC, .trip_done
    push dword SYS_USS
    push dword USER_ESP
    push dword F_IF | 2
    push dword SYS_UCS
    push dword ring3_sysenter
    mov ax, UDATA
    mov ds, ax
    mov es, ax
    iretd
.trip_done:
    CHECK "kernel cs", [k_cs], SYS_CS
    CHECK "kernel ss", [k_ss], SYS_SS
    CHECK "kernel esp", [k_esp], KERNEL_ESP
    CHECK "kernel if cleared", [k_flags], 0
    CHECK "kernel sees user ecx", [k_ecx], USER_ESP2
    CHECK "user cs after sysexit", [u_cs], SYS_UCS
    CHECK "user ss after sysexit", [u_ss], SYS_USS
    CHECK "user esp = ecx", [u_esp], USER_ESP2
    CHECK "user eip = edx", [lib_exc_eip], ring3_after_sysexit.ret0

    AREA "#GP cases"
    ; SYSEXIT at CPL 3: #GP(0)
    EXPECT V_GP, .sysexit3_done
    ENTER_RING3 ring3_sysexit, 2
.sysexit3_done:
    CHECK_EXC "sysexit at cpl 3", V_GP, 0, ring3_sysexit
    ; SYSENTER with a null SYSENTER_CS: #GP(0)
    WRMSR_CONST MSR_SYSENTER_CS, 0
    EXPECT V_GP, .nullcs_done
    ENTER_RING3 ring3_sysenter_only, 2
.nullcs_done:
    CHECK_EXC "sysenter with null cs", V_GP, 0, ring3_sysenter_only
    WRMSR_CONST MSR_SYSENTER_CS, SYS_CS

    FINISH

; ------------------------------------------------------------- CPL 3 code
ring3_sysenter:
    mov ecx, USER_ESP2                  ; where SYSEXIT puts ESP
    mov edx, ring3_after_sysexit        ; and EIP
    sysenter
    FAIL_NOW "sysenter fell through"

ring3_after_sysexit:
    mov [u_cs], cs
    mov [u_ss], ss
    mov [u_esp], esp
    int RING0_VEC
.ret0:

ring3_sysexit:
    sysexit

ring3_sysenter_only:
    sysenter

sysenter_entry:                         ; CPL 0
    mov [k_cs], cs
    mov [k_ss], ss
    mov [k_esp], esp
    mov [k_ecx], ecx
    pushfd
    pop eax
    and eax, F_IF
    mov [k_flags], eax
    sysexit

align 4
k_cs:       dd 0
k_ss:       dd 0
k_esp:      dd 0
k_ecx:      dd 0
k_flags:    dd 0xffffffff
u_cs:       dd 0
u_ss:       dd 0
u_esp:      dd 0

    KERNEL_END
