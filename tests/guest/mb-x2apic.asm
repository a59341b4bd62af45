; mb-x2apic.asm - the local APIC in x2APIC mode (SDM Vol 3A §11.12), with -cpu max:
; CPUID.01H:ECX.x2APIC, the switch through IA32_APIC_BASE.EXTD, the registers as
; MSRs 800H-8FFH (ID, version, LDR derived from the ID, SVR), a self IPI through
; the SELF IPI register and through the ICR (EOI by MSR), and the #GP cases: x2APIC
; MSRs in xAPIC mode, a nonzero EOI, read-only and absent registers, and the
; invalid x2APIC -> xAPIC transition (§11.12.5).
%include "lib32.inc"

MSR_APIC_BASE   equ 0x1b
X2_ID           equ 0x802
X2_VERSION      equ 0x803
X2_EOI          equ 0x80b
X2_LDR          equ 0x80d
X2_SVR          equ 0x80f
X2_ISR2         equ 0x812               ; ISR bits 64-95
X2_ICR          equ 0x830
X2_ICR_HI       equ 0x831               ; absent in x2APIC mode
X2_SELF_IPI     equ 0x83f
BASE_EN         equ 0x800
BASE_EXTD       equ 0x400
BASE_BSP        equ 0x100
IPI_VEC         equ 0x40                ; ISR bit 64: bit 0 of ISR2

; WRMSR_CONST msr, value (high half 0)
%macro WRMSR_CONST 2
    mov ecx, %1
    mov eax, %2
    xor edx, edx
    wrmsr
%endmacro

start:
    AREA "cpuid"
    mov eax, 1
    cpuid
    and ecx, 1 << 21
    CHECK "cpuid.01h:ecx.x2apic", ecx, 1 << 21

    AREA "xapic mode"
    EXPECT V_GP, .xapic_done
    mov ecx, X2_ID
.xapic_rd:
    rdmsr
    NO_EXCEPTION
.xapic_done:
    CHECK_EXC "rdmsr 802h in xapic mode", V_GP, 0, .xapic_rd

    AREA "enable x2apic"
    mov ecx, MSR_APIC_BASE
    rdmsr
    or eax, BASE_EN | BASE_EXTD
    wrmsr
    rdmsr
    and eax, 0xfff
    CHECK "apic base: en, extd, bsp", eax, BASE_EN | BASE_EXTD | BASE_BSP
    mov ecx, X2_ID
    rdmsr
    CHECK "x2apic id (32 bits, not shifted)", eax, 0
    mov ecx, X2_LDR
    rdmsr
    CHECK "ldr: cluster 0, bit 0", eax, 1
    mov ecx, X2_VERSION
    rdmsr
    and eax, 0xff
    CHECK "version", eax, 0x14

    AREA "self ipi"
    cli
    mov al, 0xff                        ; the 8259s stay quiet
    out 0x21, al
    out 0xa1, al
    SET_IDT_GATE IPI_VEC, KCODE, ipi_handler, 0x8e
    WRMSR_CONST X2_SVR, 0x1ff           ; software enable, spurious vector FFh
    mov dword [ipi_count], 0
    WRMSR_CONST X2_SELF_IPI, IPI_VEC
    sti
    nop
    nop
    cli
    CHECK "self ipi delivered", [ipi_count], 1
    mov ecx, X2_ISR2
    rdmsr
    CHECK "isr clear after the eoi", eax, 0
    ; ICR: fixed, destination shorthand "self" (bits 19:18 = 01), one 64-bit write
    WRMSR_CONST X2_ICR, 0x40000 | IPI_VEC
    sti
    nop
    nop
    cli
    CHECK "icr self ipi delivered", [ipi_count], 2

    AREA "#GP cases"
    EXPECT V_GP, .eoi_done
    mov ecx, X2_EOI
    mov eax, 1
    xor edx, edx
.eoi_wr:
    wrmsr
    NO_EXCEPTION
.eoi_done:
    CHECK_EXC "nonzero eoi", V_GP, 0, .eoi_wr
    EXPECT V_GP, .id_done
    mov ecx, X2_ID
    xor eax, eax
    xor edx, edx
.id_wr:
    wrmsr
    NO_EXCEPTION
.id_done:
    CHECK_EXC "write to the id", V_GP, 0, .id_wr
    EXPECT V_GP, .icrhi_done
    mov ecx, X2_ICR_HI
.icrhi_rd:
    rdmsr
    NO_EXCEPTION
.icrhi_done:
    CHECK_EXC "icr high half", V_GP, 0, .icrhi_rd
    EXPECT V_GP, .back_done
    mov ecx, MSR_APIC_BASE
    rdmsr
    and eax, ~BASE_EXTD                 ; x2APIC -> xAPIC without disabling first
.back_wr:
    wrmsr
    NO_EXCEPTION
.back_done:
    CHECK_EXC "x2apic to xapic", V_GP, 0, .back_wr

    AREA "back to xapic"
    ; the valid way: disable (EN = EXTD = 0), then enable in xAPIC mode
    mov ecx, MSR_APIC_BASE
    rdmsr
    and eax, ~(BASE_EN | BASE_EXTD)
    wrmsr
    or eax, BASE_EN
    wrmsr
    rdmsr
    and eax, 0xfff
    CHECK "apic base: en, bsp", eax, BASE_EN | BASE_BSP
    EXPECT V_GP, .x2off_done
    mov ecx, X2_ID
.x2off_rd:
    rdmsr
    NO_EXCEPTION
.x2off_done:
    CHECK_EXC "rdmsr 802h after the switch back", V_GP, 0, .x2off_rd

    FINISH

ipi_handler:
    push eax
    push ecx
    push edx
    inc dword [ipi_count]
    mov ecx, X2_EOI
    xor eax, eax
    xor edx, edx
    wrmsr
    pop edx
    pop ecx
    pop eax
    iretd

align 4
ipi_count:  dd 0

    KERNEL_END
