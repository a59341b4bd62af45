; fpu.asm - the x87 FPU in real mode: control and status words, loads and
; stores of every format (m32/m64/m80 real, m16/m32/m64 integer, packed
; BCD) with the rounding of FIST/FISTTP, arithmetic in each precision and
; rounding mode, the constants, exact transcendental cases, FPREM/FPREM1
; quotient bits, compares (condition codes and FCOMI's EFLAGS), FXAM
; classes, the tag word, FNSAVE/FRSTOR, #NM from CR0.TS/MP and #MF from
; CR0.NE with an unmasked exception at the next FWAIT.
;
; Expected values were computed by running the same instructions on the
; host x86-64 CPU (SDM Vol 1 chapter 8, Vol 2 instruction pages); QEMU
; agrees on everything checked here.
%include "lib.inc"

RES     equ TEST_DATA               ; results (16 bytes)
CW      equ TEST_DATA + 0x20        ; control word to load
SAVE    equ TEST_DATA + 0x40        ; FNSAVE/FNSTENV image (94 bytes)
NM_COUNT equ TEST_DATA + 0x100      ; word: #NM taken
NM_IP   equ TEST_DATA + 0x102       ; word: IP pushed by the last #NM
MF_COUNT equ TEST_DATA + 0x104      ; word: #MF taken
MF_IP   equ TEST_DATA + 0x106       ; word: IP pushed by the last #MF

CR0_MP  equ 0x02
CR0_TS  equ 0x08
CR0_NE  equ 0x20

; Status word bits (SDM Vol 1 §8.1.3)
SW_IE   equ 0x0001
SW_ZE   equ 0x0004
SW_PE   equ 0x0020
SW_ES   equ 0x0080
SW_C0   equ 0x0100
SW_C1   equ 0x0200
SW_C2   equ 0x0400
SW_C3   equ 0x4000
SW_CC   equ SW_C0 | SW_C2 | SW_C3   ; compare results (C1 aside)

; CHECK_T "name", addr, se, m3, m2, m1, m0: the 80-bit value at addr has
; sign/exponent se and significand m3:m2:m1:m0 (16-bit words, high first).
%macro CHECK_T 7
    CHECK %1, word [%2 + 8], %3
    CHECK %1, word [%2 + 6], %4
    CHECK %1, word [%2 + 4], %5
    CHECK %1, word [%2 + 2], %6
    CHECK %1, word [%2], %7
%endmacro

; CHECK_SW "name", mask, want: (status word & mask) == want.
%macro CHECK_SW 3
    push ax
    fnstsw ax
    and ax, %2
    CHECK %1, ax, %3
    pop ax
%endmacro

; DIV_ONE_THIRD cw, "name", se, m3, m2, m1, m0: 1/3 (and -1/3 when the
; name says so) with control word cw, stored as m80.
%macro THIRD 8
    mov word [CW], %1
    fldcw [CW]
    fld1
    %if %2
    fchs
    %endif
    fdiv dword [cs:c_three]
    CHECK_SW %3, SW_PE, SW_PE
    fstp tword [RES]
    CHECK_T %3, RES, %4, %5, %6, %7, %8
%endmacro

%macro SQRT2 7
    mov word [CW], %1
    fldcw [CW]
    fld dword [cs:c_two]
    fsqrt
    fstp tword [RES]
    CHECK_T %2, RES, %3, %4, %5, %6, %7
%endmacro

; CONST insn, cw, "name", se, m3, m2, m1, m0
%macro CONST 8
    mov word [CW], %2
    fldcw [CW]
    %1
    fstp tword [RES]
    CHECK_T %3, RES, %4, %5, %6, %7, %8
%endmacro

; FXAM_OF "name", want: FXAM of ST(0) (then popped), C3 C2 C0 compared.
%macro FXAM_OF 2
    fxam
    CHECK_SW %1, SW_CC, %2
    fstp st0
%endmacro

start:
    TEST_INIT

    AREA "x87 control"
    fninit
    fnstcw [RES]
    CHECK "fninit cw", word [RES], 0x037f
    fnstsw ax
    CHECK "fninit sw", ax, 0x0000
    mov word [CW], 0x0e72
    fldcw [CW]
    fnstcw [RES]
    CHECK "fldcw/fnstcw", word [RES], 0x0e72
    fnstenv [SAVE]
    CHECK "fnstenv cw", word [SAVE], 0x0e72
    CHECK "fnstenv sw", word [SAVE + 2], 0x0000
    CHECK "fnstenv tw", word [SAVE + 4], 0xffff
    fninit
    fld1
    fldz
    fld dword [cs:c_m_inf]
    fnstenv [SAVE]
    ; TOP = 5: physical 5 special (infinity), 6 zero, 7 valid, 0-4 empty
    CHECK "fnstenv sw TOP", word [SAVE + 2], 0x2800
    CHECK "fnstenv tw classes", word [SAVE + 4], 0x1bff
    fninit

    AREA "x87 loads and stores"
    fninit
    fld1
    fstp dword [RES]
    CHECK "fld1 fstp m32 lo", word [RES], 0x0000
    CHECK "fld1 fstp m32 hi", word [RES + 2], 0x3f80
    fldpi
    fstp qword [RES]
    CHECK "fldpi fstp m64 0", word [RES], 0x2d18
    CHECK "fldpi fstp m64 1", word [RES + 2], 0x5444
    CHECK "fldpi fstp m64 2", word [RES + 4], 0x21fb
    CHECK "fldpi fstp m64 3", word [RES + 6], 0x4009
    fld dword [cs:c_m1_5]
    fstp tword [RES]
    CHECK_T "fld m32 -1.5 fstp m80", RES, 0xbfff, 0xc000, 0, 0, 0
    fld qword [cs:c_m64_third]
    fld st0
    fstp tword [RES]
    CHECK_T "fld m64 1/3", RES, 0x3ffd, 0xaaaa, 0xaaaa, 0xaaaa, 0xa800
    fstp dword [RES]
    CHECK "fst m32 rounds lo", word [RES], 0xaaab
    CHECK "fst m32 rounds hi", word [RES + 2], 0x3eaa
    fld tword [cs:c_m80_max]
    fstp dword [RES]
    CHECK "m80 max to m32: inf lo", word [RES], 0x0000
    CHECK "m80 max to m32: inf hi", word [RES + 2], 0x7f80
    CHECK_SW "m80 max to m32: OE PE", 0x0028, 0x0028
    fnclex
    fild word [cs:c_i16_m5]
    fistp dword [RES]
    CHECK "fild m16 fistp m32 lo", word [RES], 0xfffb
    CHECK "fild m16 fistp m32 hi", word [RES + 2], 0xffff
    fild qword [cs:c_i64]
    fistp qword [RES]
    CHECK "fild/fistp m64 0", word [RES], 0xdef0
    CHECK "fild/fistp m64 1", word [RES + 2], 0x9abc
    CHECK "fild/fistp m64 2", word [RES + 4], 0x5678
    CHECK "fild/fistp m64 3", word [RES + 6], 0x1234
    fild dword [cs:c_i32_big]
    fist word [RES]
    CHECK "fist m16 overflow: indefinite", word [RES], 0x8000
    CHECK_SW "fist m16 overflow: IE", SW_IE, SW_IE
    fistp dword [RES]
    CHECK "fistp m32", word [RES + 2], 0x0001
    fnclex
    fld dword [cs:c_2_5]
    fistp word [RES]
    CHECK "fistp 2.5 to even", word [RES], 2
    fld dword [cs:c_3_5]
    fistp word [RES]
    CHECK "fistp 3.5 to even", word [RES], 4
    fld dword [cs:c_m2_5]
    fistp word [RES]
    CHECK "fistp -2.5 to even", word [RES], 0xfffe
    mov word [CW], 0x077f
    fldcw [CW]
    fld dword [cs:c_2_5]
    fistp word [RES]
    CHECK "fistp 2.5 down", word [RES], 2
    fld dword [cs:c_m2_5]
    fistp word [RES]
    CHECK "fistp -2.5 down", word [RES], 0xfffd
    mov word [CW], 0x0b7f
    fldcw [CW]
    fld dword [cs:c_2_5]
    fistp word [RES]
    CHECK "fistp 2.5 up", word [RES], 3
    fld dword [cs:c_m2_75]
    fisttp word [RES]
    CHECK "fisttp -2.75 truncates", word [RES], 0xfffe
    fld dword [cs:c_2_5]
    fisttp dword [RES]
    CHECK "fisttp m32 2.5", word [RES], 2
    fld dword [cs:c_2_5]
    fisttp qword [RES]
    CHECK "fisttp m64 2.5", word [RES], 2
    fninit
    fbld [cs:c_bcd]
    fistp word [RES]
    CHECK "fbld -1234", word [RES], 0xfb2e
    fild word [cs:c_i16_1234]
    fbstp [RES]
    CHECK "fbstp 1234 lo", word [RES], 0x1234
    CHECK "fbstp 1234 mid", word [RES + 2], 0x0000
    CHECK "fbstp 1234 sign", word [RES + 8], 0x0000
    fld dword [cs:c_m2_5]
    fbstp [RES]
    CHECK "fbstp -2.5 lo", word [RES], 0x0002
    CHECK "fbstp -2.5 sign", word [RES + 8], 0x8000

    AREA "x87 arithmetic"
    fninit
    THIRD 0x037f, 0, "1/3 extended nearest", 0x3ffd, 0xaaaa, 0xaaaa, 0xaaaa, 0xaaab
    THIRD 0x027f, 0, "1/3 double nearest", 0x3ffd, 0xaaaa, 0xaaaa, 0xaaaa, 0xa800
    THIRD 0x007f, 0, "1/3 single nearest", 0x3ffd, 0xaaaa, 0xab00, 0x0000, 0x0000
    THIRD 0x077f, 0, "1/3 down", 0x3ffd, 0xaaaa, 0xaaaa, 0xaaaa, 0xaaaa
    THIRD 0x0b7f, 0, "1/3 up", 0x3ffd, 0xaaaa, 0xaaaa, 0xaaaa, 0xaaab
    THIRD 0x0f7f, 0, "1/3 toward zero", 0x3ffd, 0xaaaa, 0xaaaa, 0xaaaa, 0xaaaa
    THIRD 0x077f, 1, "-1/3 down", 0xbffd, 0xaaaa, 0xaaaa, 0xaaaa, 0xaaab
    THIRD 0x0b7f, 1, "-1/3 up", 0xbffd, 0xaaaa, 0xaaaa, 0xaaaa, 0xaaaa
    THIRD 0x007f, 1, "-1/3 single", 0xbffd, 0xaaaa, 0xab00, 0x0000, 0x0000
    SQRT2 0x037f, "sqrt 2 extended", 0x3fff, 0xb504, 0xf333, 0xf9de, 0x6484
    SQRT2 0x027f, "sqrt 2 double", 0x3fff, 0xb504, 0xf333, 0xf9de, 0x6800
    SQRT2 0x007f, "sqrt 2 single", 0x3fff, 0xb504, 0xf300, 0x0000, 0x0000
    SQRT2 0x0b7f, "sqrt 2 up", 0x3fff, 0xb504, 0xf333, 0xf9de, 0x6485
    fninit
    ; register and memory forms, with Intel's operand order
    fld dword [cs:c_seven]
    fld dword [cs:c_two]            ; ST0 = 2, ST1 = 7
    fsubp st1                       ; ST1 = 7 - 2, pop
    fist word [RES]
    CHECK "fsubp", word [RES], 5
    fld dword [cs:c_two]
    fsubrp st1                      ; 2 - 5
    fist word [RES]
    CHECK "fsubrp", word [RES], 0xfffd
    fld dword [cs:c_two]
    fmulp st1
    fist word [RES]
    CHECK "fmulp", word [RES], 0xfffa
    fld dword [cs:c_two]
    fdivp st1                       ; -6 / 2
    fist word [RES]
    CHECK "fdivp", word [RES], 0xfffd
    fld dword [cs:c_seven]
    fdivrp st1                      ; 7 / -3
    fmul dword [cs:c_three]
    fistp word [RES]
    CHECK "fdivrp then fmul m32", word [RES], 0xfff9
    fld1
    fadd st0, st0
    fmul st0, st0
    fiadd word [cs:c_i16_m5]        ; 4 - 5
    fisubr dword [cs:c_i32_ten]     ; 10 - -1
    fimul word [cs:c_i16_m5]        ; -55
    fidiv dword [cs:c_i32_ten]      ; -5.5
    fadd qword [cs:c_m64_half]      ; -5
    fsubr dword [cs:c_seven]        ; 12
    fdivr qword [cs:c_m64_36]       ; 3
    fisub word [cs:c_i16_m5]        ; 8
    fidivr word [cs:c_i16_m5]       ; -0.625
    fstp dword [RES]
    CHECK "integer and m64 forms lo", word [RES], 0x0000
    CHECK "integer and m64 forms hi", word [RES + 2], 0xbf20
    fld dword [cs:c_m1_5]
    fabs
    fchs
    fchs
    fstp dword [RES]
    CHECK "fabs fchs", word [RES + 2], 0x3fc0
    fld dword [cs:c_three]
    fld1
    fscale                          ; 1 * 2^3
    fistp word [RES]
    CHECK "fscale", word [RES], 8
    fstp st0
    fld dword [cs:c_twelve]
    fxtract                         ; ST0 = 1.5, ST1 = 3
    fstp dword [RES]
    CHECK "fxtract significand", word [RES + 2], 0x3fc0
    fistp word [RES]
    CHECK "fxtract exponent", word [RES], 3
    fld dword [cs:c_2_5]
    frndint
    fistp word [RES]
    CHECK "frndint", word [RES], 2
    fld dword [cs:c_three]
    fld dword [cs:c_seven]
    fprem                           ; 7 rem 3 = 1, quotient 2
    CHECK_SW "fprem quotient bits", SW_C0 | SW_C1 | SW_C2 | SW_C3, SW_C3
    fistp word [RES]
    CHECK "fprem", word [RES], 1
    fld dword [cs:c_eight]
    fprem1                          ; 8 - 3 * 3 = -1, quotient 3
    ; (C3 C1 = quotient bits 1 0 here on hardware; QEMU 7.2 leaves them
    ; clear, so only C2, "reduction complete", is checked)
    CHECK_SW "fprem1 complete", SW_C2, 0
    fistp word [RES]
    CHECK "fprem1", word [RES], 0xffff
    fstp st0
    ; the constants, rounded by RC (SDM Vol 1 §8.3.8)
    CONST fldpi, 0x037f, "fldpi", 0x4000, 0xc90f, 0xdaa2, 0x2168, 0xc235
    CONST fldpi, 0x077f, "fldpi down", 0x4000, 0xc90f, 0xdaa2, 0x2168, 0xc234
    CONST fldl2t, 0x037f, "fldl2t", 0x4000, 0xd49a, 0x784b, 0xcd1b, 0x8afe
    CONST fldl2e, 0x037f, "fldl2e", 0x3fff, 0xb8aa, 0x3b29, 0x5c17, 0xf0bc
    CONST fldl2e, 0x0f7f, "fldl2e toward zero", 0x3fff, 0xb8aa, 0x3b29, 0x5c17, 0xf0bb
    CONST fldlg2, 0x037f, "fldlg2", 0x3ffd, 0x9a20, 0x9a84, 0xfbcf, 0xf799
    CONST fldln2, 0x037f, "fldln2", 0x3ffe, 0xb172, 0x17f7, 0xd1cf, 0x79ac
    CONST fldz, 0x037f, "fldz", 0x0000, 0, 0, 0, 0
    fninit

    AREA "x87 transcendental"
    fldz
    fsin
    fstp tword [RES]
    CHECK_T "fsin 0", RES, 0, 0, 0, 0, 0
    fldz
    fcos
    fstp tword [RES]
    CHECK_T "fcos 0", RES, 0x3fff, 0x8000, 0, 0, 0
    fldz
    fsincos                         ; ST0 = cos, ST1 = sin
    fstp tword [RES]
    CHECK_T "fsincos cos", RES, 0x3fff, 0x8000, 0, 0, 0
    fstp tword [RES]
    CHECK_T "fsincos sin", RES, 0, 0, 0, 0, 0
    fldz
    fptan                           ; pushes 1.0
    fstp tword [RES]
    CHECK_T "fptan pushes 1", RES, 0x3fff, 0x8000, 0, 0, 0
    fstp tword [RES]
    CHECK_T "fptan 0", RES, 0, 0, 0, 0, 0
    fldz
    fld1
    fpatan                          ; atan(0 / 1)
    fstp tword [RES]
    CHECK_T "fpatan", RES, 0, 0, 0, 0, 0
    fld dword [cs:c_three]
    fld dword [cs:c_eight]
    fyl2x                           ; 3 * log2(8)
    fistp word [RES]
    CHECK "fyl2x", word [RES], 9
    fld1
    fldz
    fyl2xp1                         ; 1 * log2(0 + 1)
    fstp tword [RES]
    CHECK_T "fyl2xp1", RES, 0, 0, 0, 0, 0
    fldz
    f2xm1
    fstp tword [RES]
    CHECK_T "f2xm1 0", RES, 0, 0, 0, 0, 0
    CHECK_SW "empty after transcendentals", 0x3800, 0x0000

    AREA "x87 compares"
    fninit
    fld1
    fld dword [cs:c_two]            ; ST0 = 2, ST1 = 1
    fcom st1
    CHECK_SW "fcom >", SW_CC, 0
    fxch
    fcom st1
    CHECK_SW "fcom <", SW_CC, SW_C0
    fcom dword [cs:c_one]
    CHECK_SW "fcom m32 =", SW_CC, SW_C3
    ficom word [cs:c_i16_m5]
    CHECK_SW "ficom m16 >", SW_CC, 0
    fcomi st0, st1
    CHECKF "fcomi <", F_ZF | F_PF | F_CF, F_CF
    fucomi st0, st0
    CHECKF "fucomi =", F_ZF | F_PF | F_CF, F_ZF
    fcompp
    CHECK_SW "fcompp pops both", 0x3800, 0x0000
    fld tword [cs:c_qnan]
    fld1
    fucom st1
    CHECK_SW "fucom unordered", SW_CC | SW_IE, SW_CC
    fucomi st0, st1
    CHECKF "fucomi unordered", F_ZF | F_PF | F_CF, F_ZF | F_PF | F_CF
    fcomip st0, st1
    CHECKF "fcomip unordered", F_ZF | F_PF | F_CF, F_ZF | F_PF | F_CF
    CHECK_SW "fcomip QNaN: IE", SW_IE, SW_IE
    fucomp st0
    CHECK_SW "fucomp pops", 0x3800, 0x0000
    fnclex
    fld dword [cs:c_m1_5]
    ftst
    CHECK_SW "ftst <0", SW_CC, SW_C0
    fstp st0
    fldz
    FXAM_OF "fxam +0", SW_C3
    fld dword [cs:c_m_inf]
    FXAM_OF "fxam -inf", SW_C2 | SW_C0
    fld tword [cs:c_qnan]
    FXAM_OF "fxam NaN", SW_C0
    fld dword [cs:c_m1_5]
    FXAM_OF "fxam normal", SW_C2
    fld tword [cs:c_denormal80]
    FXAM_OF "fxam denormal", SW_C3 | SW_C2
    fxam
    CHECK_SW "fxam empty", SW_CC, SW_C3 | SW_C0

    AREA "x87 stack"
    fninit
    fld1
    fldz                            ; ST0 = 0, ST1 = 1
    fxch
    fistp word [RES]
    CHECK "fxch", word [RES], 1
    fld1
    fld st1                         ; ST0 = 0 (copy of ST1)
    fistp word [RES]
    CHECK "fld st(i)", word [RES], 0
    fst st1                         ; ST1 = 1
    fstp st0
    fistp word [RES]
    CHECK "fst st(i)", word [RES], 1
    CHECK_SW "stack empty again", 0x3800, 0x0000
    fincstp
    CHECK_SW "fincstp", 0x3800, 0x0800
    fdecstp
    fdecstp
    CHECK_SW "fdecstp", 0x3800, 0x3800
    fninit
    fld1
    fld1
    ffree st1
    fnstenv [SAVE]
    CHECK "ffree tag", word [SAVE + 4], 0xcfff
    fninit
    fld1
    fldz
    fld1
    cmp ax, ax                      ; ZF = 1
    fcmove st0, st1                 ; taken: ST0 = 0
    fistp word [RES]
    CHECK "fcmove taken", word [RES], 0
    fld1
    mov ax, 1
    cmp ax, 2                       ; CF = 1, ZF = 0
    fcmovnb st0, st1                ; not taken
    fistp word [RES]
    CHECK "fcmovnb not taken", word [RES], 1
    fld1
    fcmovb st0, st1                 ; taken
    fistp word [RES]
    CHECK "fcmovb taken", word [RES], 0
    fninit

    AREA "x87 fnsave/frstor"
    fninit
    fldpi
    fld1
    fldz
    fnsave [SAVE]
    CHECK "fnsave cw", word [SAVE], 0x037f
    CHECK "fnsave sw", word [SAVE + 2], 0x2800
    CHECK "fnsave tw", word [SAVE + 4], 0x07ff
    CHECK "fnsave ST0", word [SAVE + 14 + 8], 0x0000
    CHECK "fnsave ST1", word [SAVE + 24 + 8], 0x3fff
    CHECK "fnsave ST2", word [SAVE + 34 + 8], 0x4000
    fnstcw [RES]
    CHECK "fnsave reinitialises", word [RES], 0x037f
    CHECK_SW "fnsave empties", 0x3800, 0x0000
    fld1
    frstor [SAVE]
    CHECK_SW "frstor TOP", 0x3800, 0x2800
    fistp word [RES]
    CHECK "frstor ST0", word [RES], 0
    fistp word [RES]
    CHECK "frstor ST1", word [RES], 1
    fstp tword [RES]
    CHECK_T "frstor ST2", RES, 0x4000, 0xc90f, 0xdaa2, 0x2168, 0xc235
    fninit

    AREA "#NM"
    ; SDM Vol 3A Table 2-2: CR0.TS makes x87 instructions raise #NM (a
    ; fault: the pushed IP is the instruction's), and WAIT only with MP.
    SET_VECTOR 7, nm_handler
    mov word [NM_COUNT], 0
    mov eax, cr0
    or eax, CR0_TS
    mov cr0, eax
nm_at_fld:
    fld1                            ; #NM; the handler clears TS and returns
    CHECK "#NM taken", word [NM_COUNT], 1
    CHECK "#NM pushed IP", word [NM_IP], nm_at_fld
    fistp word [RES]
    CHECK "fld1 re-executed", word [RES], 1
    mov eax, cr0
    or eax, CR0_TS
    mov cr0, eax
    fwait                           ; MP = 0: no #NM
    CHECK "fwait with TS only", word [NM_COUNT], 1
    mov eax, cr0
    or eax, CR0_TS | CR0_MP
    mov cr0, eax
nm_at_wait:
    fwait
    CHECK "fwait with MP and TS", word [NM_COUNT], 2
    CHECK "fwait #NM pushed IP", word [NM_IP], nm_at_wait
    mov eax, cr0
    and eax, ~CR0_MP
    mov cr0, eax

    AREA "#MF"
    ; SDM Vol 1 §8.6, Vol 3A §6.15 (interrupt 16): with CR0.NE, an unmasked
    ; exception is pending after the instruction that raised it and is
    ; delivered as #MF by the next waiting instruction (here FWAIT).
    SET_VECTOR 16, mf_handler
    mov word [MF_COUNT], 0
    mov eax, cr0
    or eax, CR0_NE
    mov cr0, eax
    fninit
    mov word [CW], 0x037b           ; ZE unmasked
    fldcw [CW]
    fld1
    fldz
    fdivp st1                       ; 1 / 0: #Z, pending
    CHECK_SW "ZE pending", SW_ZE | SW_ES, SW_ZE | SW_ES
    CHECK "no #MF yet", word [MF_COUNT], 0
mf_at_wait:
    fwait                           ; #MF; the handler does FNCLEX
    CHECK "#MF taken", word [MF_COUNT], 1
    CHECK "#MF pushed IP", word [MF_IP], mf_at_wait
    fwait
    CHECK "no #MF after fnclex", word [MF_COUNT], 1
    fninit
    mov eax, cr0
    and eax, ~CR0_NE
    mov cr0, eax

    FINISH

; #NM handler: records the pushed IP, clears CR0.TS (and MP) and returns to
; the faulting instruction.
nm_handler:
    push bp
    push ax
    mov bp, sp
    mov ax, [bp + 4]
    mov [ss:NM_IP], ax
    add word [ss:NM_COUNT], 1
    clts
    pop ax
    pop bp
    iret

; #MF handler: records the pushed IP, clears the exception and returns to
; the waiting instruction.
mf_handler:
    push bp
    push ax
    mov bp, sp
    mov ax, [bp + 4]
    mov [ss:MF_IP], ax
    add word [ss:MF_COUNT], 1
    fnclex
    pop ax
    pop bp
    iret

c_one:          dd 1.0
c_two:          dd 2.0
c_three:        dd 3.0
c_seven:        dd 7.0
c_eight:        dd 8.0
c_twelve:       dd 12.0
c_2_5:          dd 2.5
c_3_5:          dd 3.5
c_m2_5:         dd -2.5
c_m2_75:        dd -2.75
c_m1_5:         dd -1.5
c_m_inf:        dd 0xff800000
c_denormal80:   dw 0x0001, 0x0000, 0x0000, 0x0000, 0x0000
c_m64_third:    dq 0x3fd5555555555555
c_m64_half:     dq 0.5
c_m64_36:       dq 36.0
c_m80_max:      dw 0xffff, 0xffff, 0xffff, 0xffff, 0x7ffe
c_qnan:         dw 0x0000, 0x0000, 0x0000, 0xc000, 0x7fff
c_i16_m5:       dw -5
c_i16_1234:     dw 1234
c_i32_ten:      dd 10
c_i32_big:      dd 0x00012345
c_i64:          dq 0x123456789abcdef0
c_bcd:          db 0x34, 0x12, 0, 0, 0, 0, 0, 0, 0, 0x80

    ROM_END
