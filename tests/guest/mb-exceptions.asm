; mb-exceptions.asm - protected-mode exceptions (SDM Vol 3A chapter 6): each
; vector with its error code and saved EIP (the faulting instruction for a
; fault, the next one for a trap), selector error codes, the IDT bit, double
; fault, and what interrupt and trap gates do to EFLAGS. Not tested because
; QEMU 7.2 gets them wrong: INT1 (#UD there), #AC (never raised), the EXT bit
; in error codes, data segment limit and rights checks.
%include "lib32.inc"

NOTPRESENT_DATA equ 0x40                ; writable data, P = 0
NOTPRESENT_CODE equ 0x48                ; code, P = 0
RO_DATA         equ 0x50                ; read-only data
VEC_INTGATE     equ 0x50                ; harness stub through an interrupt gate
VEC_TRAPGATE    equ 0x51                ; harness stub through a trap gate
VEC_NOTPRESENT  equ 0x52                ; gate with P = 0
VEC_BADTYPE     equ 0x53                ; gate of a reserved system type
VEC_BEYOND      equ 0x60                ; beyond the shortened IDT limit

CR0_MP          equ 1 << 1
CR0_EM          equ 1 << 2
CR0_TS          equ 1 << 3

start:
    SET_DESC NOTPRESENT_DATA, 0, 0xfffff, ACC_DATA_W & ~ACC_P, FL_G | FL_DB
    SET_DESC NOTPRESENT_CODE, 0, 0xfffff, ACC_CODE_R & ~ACC_P, FL_G | FL_DB
    SET_DESC RO_DATA, 0, 0xfffff, ACC_P | ACC_DATA, FL_G | FL_DB
    RESET_IDT_GATE VEC_TRAPGATE, ACC_P | SYS_TRAPGATE32
    RESET_IDT_GATE VEC_NOTPRESENT, SYS_INTGATE32
    RESET_IDT_GATE VEC_BADTYPE, ACC_P | 0x0d  ; type 1101b is reserved

; ----------------------------------------------------------- faults, traps
    AREA "#DE"
    mov eax, 1
    xor edx, edx
    xor ecx, ecx
    EXPECT V_DE, .de_done
.de:
    div ecx
    NO_EXCEPTION
.de_done:
    CHECK_EXC "div by zero", V_DE, 0, .de

    AREA "#DB"
    ; (INT1/ICEBP is not tested: QEMU 7.2 raises #UD for it.)
    ; SDM Vol 3A §17.3.1.4: once an instruction sets TF, the trap comes after
    ; the next instruction.
    EXPECT V_DB, .tf_done
    pushfd
    or dword [esp], F_TF
    popfd
    mov eax, 1
.tf_next:
    NO_EXCEPTION
.tf_done:
    CHECK_EXC "tf single-step", V_DB, 0, .tf_next
    mov ecx, [lib_exc_eflags]
    and ecx, F_TF
    CHECK "tf in the pushed eflags", ecx, F_TF
    CHECKF "tf cleared by the gate", F_TF, 0

    AREA "#BP"
    EXPECT V_BP, .bp_done
    int3
.bp_next:
    NO_EXCEPTION
.bp_done:
    CHECK_EXC "int3", V_BP, 0, .bp_next
    EXPECT V_BP, .bp2_done
    int 3                               ; the two-byte form
.bp2_next:
    NO_EXCEPTION
.bp2_done:
    CHECK_EXC "int 3", V_BP, 0, .bp2_next

    AREA "#OF"
    mov al, 0x7f
    add al, 1                           ; OF = 1
    EXPECT V_OF, .of_done
    into
.of_next:
    NO_EXCEPTION
.of_done:
    CHECK_EXC "into with of", V_OF, 0, .of_next
    xor eax, eax                        ; OF = 0: INTO does nothing
    EXPECT V_OF, .of2_done
    into
    NO_EXCEPTION
.of2_done:
    CHECK "into without of", [lib_exc_vec], NO_VECTOR

    AREA "#BR"
    mov eax, 10
    EXPECT V_BR, .br_in_done
    bound eax, [bounds]                 ; 10 in [10, 20]
    NO_EXCEPTION
.br_in_done:
    CHECK "bound in range", [lib_exc_vec], NO_VECTOR
    mov eax, 21
    EXPECT V_BR, .br_done
.br:
    bound eax, [bounds]
    NO_EXCEPTION
.br_done:
    CHECK_EXC "bound above", V_BR, 0, .br
    mov eax, 9
    EXPECT V_BR, .br2_done
.br2:
    bound eax, [bounds]
    NO_EXCEPTION
.br2_done:
    CHECK_EXC "bound below", V_BR, 0, .br2

    AREA "#UD"
    EXPECT V_UD, .ud_done
.ud:
    ud2
    NO_EXCEPTION
.ud_done:
    CHECK_EXC "ud2", V_UD, 0, .ud

    AREA "#NM"
    ; SDM Vol 3A §2.5, table 2-2: with EM = 0, TS = 1 makes x87 instructions
    ; fault, and WAIT too when MP = 1.
    mov eax, cr0
    and eax, ~CR0_EM
    or eax, CR0_MP | CR0_TS
    mov cr0, eax
    EXPECT V_NM, .nm_done
.nm:
    fnop
    NO_EXCEPTION
.nm_done:
    CHECK_EXC "fnop with ts", V_NM, 0, .nm
    EXPECT V_NM, .nm2_done
.nm2:
    wait
    NO_EXCEPTION
.nm2_done:
    CHECK_EXC "wait with ts and mp", V_NM, 0, .nm2
    clts
    mov eax, cr0
    and eax, CR0_TS
    CHECK "clts", eax, 0
    EXPECT V_NM, .nm3_done
    fnop
    NO_EXCEPTION
.nm3_done:
    CHECK "fnop after clts", [lib_exc_vec], NO_VECTOR

; ------------------------------------------------------ selector errors
    ; SDM Vol 3A §6.13: a selector error code is the selector with the RPL
    ; bits replaced by IDT and EXT; §5.4.1 and MOV's "Protected Mode
    ; Exceptions" (SDM Vol 2B) give which exception each bad load raises.
    AREA "#GP on segment loads"
    mov ax, GDT_ENTRIES * 8 + 3         ; beyond the GDT limit
    EXPECT V_GP, .gp1_done
.gp1:
    mov ds, ax
    NO_EXCEPTION
.gp1_done:
    CHECK_EXC "ds beyond gdt limit", V_GP, GDT_ENTRIES * 8, .gp1
    mov ax, 0x0c | 3                    ; LDT selector (TI = 1), LDTR is null
    EXPECT V_GP, .gp_ldt_done
.gp_ldt:
    mov ds, ax
    NO_EXCEPTION
.gp_ldt_done:
    CHECK_EXC "ds from a null ldt", V_GP, 0x0c, .gp_ldt
    mov ax, KDATA | 3                   ; RPL 3 > DPL 0
    EXPECT V_GP, .gp2_done
.gp2:
    mov es, ax
    NO_EXCEPTION
.gp2_done:
    CHECK_EXC "es rpl above dpl", V_GP, KDATA, .gp2
    mov ax, TSS_SEL                     ; a system segment
    EXPECT V_GP, .gp3_done
.gp3:
    mov fs, ax
    NO_EXCEPTION
.gp3_done:
    CHECK_EXC "fs system segment", V_GP, TSS_SEL, .gp3
    mov ax, KCODE                       ; SS must be writable data
    EXPECT V_GP, .gp4_done
.gp4:
    mov ss, ax
    NO_EXCEPTION
.gp4_done:
    CHECK_EXC "ss code segment", V_GP, KCODE, .gp4
    mov ax, RO_DATA
    EXPECT V_GP, .gp5_done
.gp5:
    mov ss, ax
    NO_EXCEPTION
.gp5_done:
    CHECK_EXC "ss read-only", V_GP, RO_DATA, .gp5
    mov ax, UDATA                       ; SS DPL must equal CPL
    EXPECT V_GP, .gp6_done
.gp6:
    mov ss, ax
    NO_EXCEPTION
.gp6_done:
    CHECK_EXC "ss dpl 3 at cpl 0", V_GP, UDATA & ~3, .gp6
    xor eax, eax
    EXPECT V_GP, .gp7_done
.gp7:
    mov ss, ax
    NO_EXCEPTION
.gp7_done:
    CHECK_EXC "ss null", V_GP, 0, .gp7

    AREA "#GP on far jumps"
    EXPECT V_GP, .gpj1_done
.gpj1:
    jmp KDATA:.gpj1_done                ; a data segment
    NO_EXCEPTION
.gpj1_done:
    CHECK_EXC "jmp to data segment", V_GP, KDATA, .gpj1
    EXPECT V_GP, .gpj2_done
.gpj2:
    jmp 0:.gpj2_done                    ; null
    NO_EXCEPTION
.gpj2_done:
    CHECK_EXC "jmp to null", V_GP, 0, .gpj2
    EXPECT V_GP, .gpj3_done
.gpj3:
    call UCODE:.gpj3_done               ; nonconforming, DPL 3 != CPL 0
    NO_EXCEPTION
.gpj3_done:
    CHECK_EXC "call to dpl 3 code", V_GP, UCODE & ~3, .gpj3

    AREA "#GP from the idt"
    ; SDM Vol 3A §6.10: a vector beyond the IDT limit is a #GP whose error
    ; code is vector * 8 + 2 (IDT bit), EXT = 0 for INT n.
    lidt [idtr_short]
    EXPECT V_GP, .gpi1_done
.gpi1:
    int VEC_BEYOND
    NO_EXCEPTION
.gpi1_done:
    lidt [lib_idtr]
    CHECK_EXC "int beyond idt limit", V_GP, VEC_BEYOND * 8 + 2, .gpi1
    EXPECT V_GP, .gpi2_done
.gpi2:
    int VEC_BADTYPE
    NO_EXCEPTION
.gpi2_done:
    CHECK_EXC "int to a bad gate type", V_GP, VEC_BADTYPE * 8 + 2, .gpi2

    AREA "#NP"
    mov ax, NOTPRESENT_DATA
    EXPECT V_NP, .np1_done
.np1:
    mov ds, ax
    NO_EXCEPTION
.np1_done:
    CHECK_EXC "ds not present", V_NP, NOTPRESENT_DATA, .np1
    EXPECT V_NP, .np2_done
.np2:
    jmp NOTPRESENT_CODE:.np2_done
    NO_EXCEPTION
.np2_done:
    CHECK_EXC "jmp not present", V_NP, NOTPRESENT_CODE, .np2
    EXPECT V_NP, .np3_done
.np3:
    int VEC_NOTPRESENT
    NO_EXCEPTION
.np3_done:
    CHECK_EXC "int to a not-present gate", V_NP, VEC_NOTPRESENT * 8 + 2, .np3

    AREA "#SS"
    ; SDM Vol 2B MOV: loading SS with a not-present segment is #SS(selector)
    mov ax, NOTPRESENT_DATA
    EXPECT V_SS, .ss_done
.ss:
    mov ss, ax
    NO_EXCEPTION
.ss_done:
    CHECK_EXC "ss not present", V_SS, NOTPRESENT_DATA, .ss

    AREA "#DF"
    ; SDM Vol 3A §6.15 "Interrupt 8", table 6-5: a contributory exception
    ; (#NP) while delivering another (#GP) is a double fault, error code 0;
    ; its saved CS:EIP is undefined, so it is not checked.
    RESET_IDT_GATE V_GP, SYS_INTGATE32   ; the #GP gate is not present
    mov ax, GDT_ENTRIES * 8
    EXPECT V_DF, .df_done
    mov ds, ax
    NO_EXCEPTION
.df_done:
    RESET_IDT_GATE V_GP, ACC_P | SYS_INTGATE32
    CHECK "#np on the #gp gate: vector", [lib_exc_vec], V_DF
    CHECK "#np on the #gp gate: error", [lib_exc_err], 0
    ; #GP whose gate is beyond the IDT limit: the second #GP makes a #DF.
    lidt [idtr_to_df]
    mov ax, GDT_ENTRIES * 8
    EXPECT V_DF, .df2_done
    mov ds, ax
    NO_EXCEPTION
.df2_done:
    lidt [lib_idtr]
    CHECK "#gp beyond the idt limit: vector", [lib_exc_vec], V_DF
    CHECK "#gp beyond the idt limit: error", [lib_exc_err], 0

; ------------------------------------------------------------------ gates
    AREA "interrupt and trap gates"
    ; SDM Vol 3A §6.12.1.3: both gate types clear TF, NT, RF and VM; an
    ; interrupt gate also clears IF, a trap gate leaves it.
    sti
    EXPECT VEC_INTGATE, .ig_done
    int VEC_INTGATE
.ig_next:
    NO_EXCEPTION
.ig_done:
    CHECKF "interrupt gate clears if", F_IF, 0
    CHECK_EXC "int through an interrupt gate", VEC_INTGATE, 0, .ig_next
    mov ecx, [lib_exc_eflags]
    and ecx, F_IF
    CHECK "pushed if", ecx, F_IF
    sti
    pushfd
    or dword [esp], F_NT
    popfd
    EXPECT VEC_TRAPGATE, .tg_done
    int VEC_TRAPGATE
.tg_next:
    NO_EXCEPTION
.tg_done:
    CHECKF "trap gate keeps if", F_IF, F_IF
    CHECKF "trap gate clears nt", F_NT, 0
    CHECK_EXC "int through a trap gate", VEC_TRAPGATE, 0, .tg_next
    mov ecx, [lib_exc_eflags]
    and ecx, F_NT
    CHECK "pushed nt", ecx, F_NT
    cli

    FINISH

; ------------------------------------------------------------------- data
align 4
bounds:       dd 10, 20
idtr_short:   dw VEC_BEYOND * 8 - 1     ; vectors 0 .. VEC_BEYOND-1
              dd lib_idt
idtr_to_df:   dw V_DF * 8 + 7           ; vectors 0 .. 8
              dd lib_idt

    KERNEL_END
