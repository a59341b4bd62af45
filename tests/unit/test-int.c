/* Integer instructions run under the emulator (TcgRunner) and, where the host can run
 * them, natively: the host is x86-64, so each snippet is also executed by the host CPU
 * and every register, the arithmetic flags the SDM defines and the touched memory are
 * compared. Guest code and data sit at the same addresses as the host copies (fixed
 * mappings at DATA and CODE), so RIP-relative operands, return addresses and memory
 * operands mean the same thing in both. The emulator runs in 64-bit mode with
 * identity-mapped 4-level paging; legacy-only instructions (BCD, BOUND, PUSHA, 16-bit
 * addressing) have directed tests in test-int-legacy.c. The harness is int-harness.h.
 * One test per instruction family.
 *
 * The host is an AMD part and Pacifica models Intel: flags the SDM leaves undefined are
 * masked, and the inputs avoid the few places where the two vendors differ (a 32-bit
 * BSF/BSR with a zero source, PUSH of a segment register). */
#include "int-harness.h"

/* ALU: ADD ADC SUB SBB CMP AND OR XOR TEST INC DEC NEG NOT, LOCK forms */
static const Insn alu_insns[] = {
    // ADD ADC SUB SBB CMP: every flag
    INSN("add al, bl", "\x00\xd8", ALL, NULL, NULL),
    INSN("add ah, bh", "\x00\xfc", ALL, NULL, NULL),
    INSN("add ax, bx", "\x66\x01\xd8", ALL, NULL, NULL),
    INSN("add eax, ebx", "\x01\xd8", ALL, NULL, NULL),
    INSN("add rax, rbx", "\x48\x01\xd8", ALL, NULL, NULL),
    INSN("add r9, r10", "\x4d\x01\xd1", ALL, NULL, NULL),
    INSN("add [rbx], ecx", "\x01\x0b", ALL, NULL, NULL),
    INSN("add ecx, [rbx+8]", "\x03\x4b\x08", ALL, NULL, NULL),
    INSN("add qword [rbx+8], 0x12", "\x48\x83\x43\x08\x12", ALL, NULL, NULL),
    INSN("add byte [rbx], 0x80", "\x80\x03\x80", ALL, NULL, NULL),
    INSN("add eax, 0x12345678", "\x05\x78\x56\x34\x12", ALL, NULL, NULL),
    INSN("add rax, -0x12345678", "\x48\x05\x88\xa9\xcb\xed", ALL, NULL, NULL),
    INSN("add al, 0x7f", "\x04\x7f", ALL, NULL, NULL),
    INSN("lock add dword [rbx], ecx", "\xf0\x01\x0b", ALL, NULL, NULL),
    INSN("adc al, bl", "\x10\xd8", ALL, NULL, NULL),
    INSN("adc cx, dx", "\x66\x11\xd1", ALL, NULL, NULL),
    INSN("adc eax, ebx", "\x11\xd8", ALL, NULL, NULL),
    INSN("adc rax, rbx", "\x48\x11\xd8", ALL, NULL, NULL),
    INSN("adc qword [rbx], rcx", "\x48\x11\x0b", ALL, NULL, NULL),
    INSN("lock adc word [rbx], cx", "\xf0\x66\x11\x0b", ALL, NULL, NULL),
    INSN("lock adc qword [rbx], rcx", "\xf0\x48\x11\x0b", ALL, NULL, NULL),
    INSN("sub al, bl", "\x28\xd8", ALL, NULL, NULL),
    INSN("sub bh, ch", "\x28\xef", ALL, NULL, NULL),
    INSN("sub ax, bx", "\x66\x29\xd8", ALL, NULL, NULL),
    INSN("sub eax, ebx", "\x29\xd8", ALL, NULL, NULL),
    INSN("sub rax, rbx", "\x48\x29\xd8", ALL, NULL, NULL),
    INSN("sub r12d, 7", "\x41\x83\xec\x07", ALL, NULL, NULL),
    INSN("lock sub byte [rbx], cl", "\xf0\x28\x0b", ALL, NULL, NULL),
    INSN("sbb al, bl", "\x18\xd8", ALL, NULL, NULL),
    INSN("sbb ax, bx", "\x66\x19\xd8", ALL, NULL, NULL),
    INSN("sbb eax, ebx", "\x19\xd8", ALL, NULL, NULL),
    INSN("sbb rax, rbx", "\x48\x19\xd8", ALL, NULL, NULL),
    INSN("sbb ecx, [rbx]", "\x1b\x0b", ALL, NULL, NULL),
    INSN("lock sbb dword [rbx], ecx", "\xf0\x19\x0b", ALL, NULL, NULL),
    INSN("cmp al, bl", "\x38\xd8", ALL, NULL, NULL),
    INSN("cmp ax, bx", "\x66\x39\xd8", ALL, NULL, NULL),
    INSN("cmp eax, ebx", "\x39\xd8", ALL, NULL, NULL),
    INSN("cmp rax, rbx", "\x48\x39\xd8", ALL, NULL, NULL),
    INSN("cmp [rbx], rcx", "\x48\x39\x0b", ALL, NULL, NULL),
    INSN("cmp eax, -1", "\x83\xf8\xff", ALL, NULL, NULL),
    // AND OR XOR TEST: AF undefined
    INSN("and al, bl", "\x20\xd8", LOGIC, NULL, NULL),
    INSN("and ax, bx", "\x66\x21\xd8", LOGIC, NULL, NULL),
    INSN("and eax, ebx", "\x21\xd8", LOGIC, NULL, NULL),
    INSN("and rax, rbx", "\x48\x21\xd8", LOGIC, NULL, NULL),
    INSN("and rax, -16", "\x48\x83\xe0\xf0", LOGIC, NULL, NULL),
    INSN("lock and qword [rbx], rcx", "\xf0\x48\x21\x0b", LOGIC, NULL, NULL),
    INSN("or al, bl", "\x08\xd8", LOGIC, NULL, NULL),
    INSN("or ax, bx", "\x66\x09\xd8", LOGIC, NULL, NULL),
    INSN("or eax, ebx", "\x09\xd8", LOGIC, NULL, NULL),
    INSN("or r8, r11", "\x4d\x09\xd8", LOGIC, NULL, NULL),
    INSN("lock or word [rbx], cx", "\xf0\x66\x09\x0b", LOGIC, NULL, NULL),
    INSN("xor al, bl", "\x30\xd8", LOGIC, NULL, NULL),
    INSN("xor ax, bx", "\x66\x31\xd8", LOGIC, NULL, NULL),
    INSN("xor eax, ebx", "\x31\xd8", LOGIC, NULL, NULL),
    INSN("xor rax, rbx", "\x48\x31\xd8", LOGIC, NULL, NULL),
    INSN("lock xor byte [rbx], 0x5a", "\xf0\x80\x33\x5a", LOGIC, NULL, NULL),
    INSN("test al, bl", "\x84\xd8", LOGIC, NULL, NULL),
    INSN("test ax, bx", "\x66\x85\xd8", LOGIC, NULL, NULL),
    INSN("test eax, ebx", "\x85\xd8", LOGIC, NULL, NULL),
    INSN("test rax, rbx", "\x48\x85\xd8", LOGIC, NULL, NULL),
    INSN("test byte [rbx], 0x81", "\xf6\x03\x81", LOGIC, NULL, NULL),
    // INC DEC NEG NOT
    INSN("inc al", "\xfe\xc0", ALL, NULL, NULL),
    INSN("inc ax", "\x66\xff\xc0", ALL, NULL, NULL),
    INSN("inc eax", "\xff\xc0", ALL, NULL, NULL),
    INSN("inc rax", "\x48\xff\xc0", ALL, NULL, NULL),
    INSN("inc byte [rbx]", "\xfe\x03", ALL, NULL, NULL),
    INSN("lock inc dword [rbx]", "\xf0\xff\x03", ALL, NULL, NULL),
    INSN("dec r8w", "\x66\x41\xff\xc8", ALL, NULL, NULL),
    INSN("dec ecx", "\xff\xc9", ALL, NULL, NULL),
    INSN("dec rcx", "\x48\xff\xc9", ALL, NULL, NULL),
    INSN("lock dec qword [rbx]", "\xf0\x48\xff\x0b", ALL, NULL, NULL),
    INSN("neg al", "\xf6\xd8", ALL, NULL, NULL),
    INSN("neg ax", "\x66\xf7\xd8", ALL, NULL, NULL),
    INSN("neg eax", "\xf7\xd8", ALL, NULL, NULL),
    INSN("neg rax", "\x48\xf7\xd8", ALL, NULL, NULL),
    INSN("lock neg qword [rbx]", "\xf0\x48\xf7\x1b", ALL, NULL, NULL),
    INSN("lock neg byte [rbx]", "\xf0\xf6\x1b", ALL, NULL, NULL),
    INSN("not al", "\xf6\xd0", ALL, NULL, NULL),
    INSN("not eax", "\xf7\xd0", ALL, NULL, NULL),
    INSN("not rax", "\x48\xf7\xd0", ALL, NULL, NULL),
    INSN("lock not word [rbx]", "\xf0\x66\xf7\x13", ALL, NULL, NULL),
};

static void test_alu(void)
{
    COMPARE_TABLE(alu_insns, 1000);
}

/* SHL SHR SAR ROL ROR RCL RCR */
static const Insn shift_insns[] = {
    INSN("shl al, cl", "\xd2\xe0", 0, m_shift8, NULL),
    INSN("shl ax, cl", "\x66\xd3\xe0", 0, m_shift16, NULL),
    INSN("shl eax, cl", "\xd3\xe0", 0, m_shift32, NULL),
    INSN("shl rax, cl", "\x48\xd3\xe0", 0, m_shift64, NULL),
    INSN("shl byte [rbx], cl", "\xd2\x23", 0, m_shift8, NULL),
    INSN("shl eax, 1", "\xd1\xe0", SHIFT1, NULL, NULL),
    INSN("shl ebx, 5", "\xc1\xe3\x05", SHIFTN, NULL, NULL),
    INSN("shl rax, 63", "\x48\xc1\xe0\x3f", SHIFTN, NULL, NULL),
    INSN("shr al, cl", "\xd2\xe8", 0, m_shift8, NULL),
    INSN("shr ax, cl", "\x66\xd3\xe8", 0, m_shift16, NULL),
    INSN("shr eax, cl", "\xd3\xe8", 0, m_shift32, NULL),
    INSN("shr rax, cl", "\x48\xd3\xe8", 0, m_shift64, NULL),
    INSN("shr dword [rbx], cl", "\xd3\x2b", 0, m_shift32, NULL),
    INSN("shr ax, 1", "\x66\xd1\xe8", SHIFT1, NULL, NULL),
    INSN("shr rdx, 33", "\x48\xc1\xea\x21", SHIFTN, NULL, NULL),
    INSN("sar al, cl", "\xd2\xf8", 0, m_sar8, NULL),
    INSN("sar ax, cl", "\x66\xd3\xf8", 0, m_sar16, NULL),
    INSN("sar eax, cl", "\xd3\xf8", 0, m_sar32, NULL),
    INSN("sar rax, cl", "\x48\xd3\xf8", 0, m_sar64, NULL),
    INSN("sar qword [rbx], cl", "\x48\xd3\x3b", 0, m_sar64, NULL),
    INSN("sar bh, 1", "\xd0\xff", SHIFT1, NULL, NULL),
    INSN("sar ecx, 31", "\xc1\xf9\x1f", SHIFTN, NULL, NULL),
    INSN("rol al, cl", "\xd2\xc0", 0, m_rot8, NULL),
    INSN("rol ax, cl", "\x66\xd3\xc0", 0, m_rot16, NULL),
    INSN("rol eax, cl", "\xd3\xc0", 0, m_rot32, NULL),
    INSN("rol rax, cl", "\x48\xd3\xc0", 0, m_rot64, NULL),
    INSN("rol word [rbx], cl", "\x66\xd3\x03", 0, m_rot16, NULL),
    INSN("rol eax, 1", "\xd1\xc0", ROT1, NULL, NULL),
    INSN("rol eax, 12", "\xc1\xc0\x0c", ROTN, NULL, NULL),
    INSN("ror al, cl", "\xd2\xc8", 0, m_rot8, NULL),
    INSN("ror ax, cl", "\x66\xd3\xc8", 0, m_rot16, NULL),
    INSN("ror eax, cl", "\xd3\xc8", 0, m_rot32, NULL),
    INSN("ror rax, cl", "\x48\xd3\xc8", 0, m_rot64, NULL),
    INSN("ror rbx, 1", "\x48\xd1\xcb", ROT1, NULL, NULL),
    INSN("rcl al, cl", "\xd2\xd0", 0, m_rot8, NULL),
    INSN("rcl ax, cl", "\x66\xd3\xd0", 0, m_rot16, NULL),
    INSN("rcl eax, cl", "\xd3\xd0", 0, m_rot32, NULL),
    INSN("rcl rax, cl", "\x48\xd3\xd0", 0, m_rot64, NULL),
    INSN("rcl byte [rbx], 1", "\xd0\x13", ROT1, NULL, NULL),
    INSN("rcr al, cl", "\xd2\xd8", 0, m_rot8, NULL),
    INSN("rcr ax, cl", "\x66\xd3\xd8", 0, m_rot16, NULL),
    INSN("rcr eax, cl", "\xd3\xd8", 0, m_rot32, NULL),
    INSN("rcr rax, cl", "\x48\xd3\xd8", 0, m_rot64, NULL),
    INSN("rcr dword [rbx], 1", "\xd1\x1b", ROT1, NULL, NULL),
};

static void test_shift(void)
{
    COMPARE_TABLE(shift_insns, 1001);
}

/* SHLD SHRD */
static const Insn shiftd_insns[] = {
    INSN("shld ax, bx, cl", "\x66\x0f\xa5\xd8", 0, m_shd16, fix_count16),
    INSN("shld eax, ebx, cl", "\x0f\xa5\xd8", 0, m_shd32, NULL),
    INSN("shld rax, rbx, cl", "\x48\x0f\xa5\xd8", 0, m_shd64, NULL),
    INSN("shld [rbx], ecx, cl", "\x0f\xa5\x0b", 0, m_shd32, NULL),
    INSN("shld eax, edx, 1", "\x0f\xa4\xd0\x01", SHIFT1, NULL, NULL),
    INSN("shld eax, edx, 7", "\x0f\xa4\xd0\x07", SHIFTN, NULL, NULL),
    INSN("shld rax, rdx, 63", "\x48\x0f\xa4\xd0\x3f", SHIFTN, NULL, NULL),
    INSN("shld dx, ax, 16", "\x66\x0f\xa4\xc2\x10", SHIFTN, NULL, NULL),
    INSN("shrd ax, bx, cl", "\x66\x0f\xad\xd8", 0, m_shd16, fix_count16),
    INSN("shrd eax, ebx, cl", "\x0f\xad\xd8", 0, m_shd32, NULL),
    INSN("shrd rax, rbx, cl", "\x48\x0f\xad\xd8", 0, m_shd64, NULL),
    INSN("shrd [rbx], rcx, cl", "\x48\x0f\xad\x0b", 0, m_shd64, NULL),
    INSN("shrd eax, edx, 1", "\x0f\xac\xd0\x01", SHIFT1, NULL, NULL),
    INSN("shrd rax, rdx, 40", "\x48\x0f\xac\xd0\x28", SHIFTN, NULL, NULL),
    INSN("shrd word [rbx], dx, 9", "\x66\x0f\xac\x13\x09", SHIFTN, NULL, NULL),
};

static void test_shiftd(void)
{
    COMPARE_TABLE(shiftd_insns, 1002);
}

/* MUL IMUL DIV IDIV */
static const Insn muldiv_insns[] = {
    INSN("mul bl", "\xf6\xe3", MULF, NULL, NULL),
    INSN("mul bx", "\x66\xf7\xe3", MULF, NULL, NULL),
    INSN("mul ebx", "\xf7\xe3", MULF, NULL, NULL),
    INSN("mul rbx", "\x48\xf7\xe3", MULF, NULL, NULL),
    INSN("mul byte [rbx]", "\xf6\x23", MULF, NULL, NULL),
    INSN("imul bl", "\xf6\xeb", MULF, NULL, NULL),
    INSN("imul bx", "\x66\xf7\xeb", MULF, NULL, NULL),
    INSN("imul ebx", "\xf7\xeb", MULF, NULL, NULL),
    INSN("imul rbx", "\x48\xf7\xeb", MULF, NULL, NULL),
    INSN("imul qword [rbx]", "\x48\xf7\x2b", MULF, NULL, NULL),
    INSN("imul ax, cx", "\x66\x0f\xaf\xc1", MULF, NULL, NULL),
    INSN("imul eax, ecx", "\x0f\xaf\xc1", MULF, NULL, NULL),
    INSN("imul rax, [rbx]", "\x48\x0f\xaf\x03", MULF, NULL, NULL),
    INSN("imul ax, cx, 0x1234", "\x66\x69\xc1\x34\x12", MULF, NULL, NULL),
    INSN("imul ecx, edx, -5", "\x6b\xca\xfb", MULF, NULL, NULL),
    INSN("imul r8, r9, 0x7fffffff", "\x4d\x69\xc1\xff\xff\xff\x7f", MULF, NULL, NULL),
    INSN("div cl", "\xf6\xf1", NONE, NULL, fix_div8),
    INSN("div cx", "\x66\xf7\xf1", NONE, NULL, fix_div16),
    INSN("div ecx", "\xf7\xf1", NONE, NULL, fix_div32),
    INSN("div rcx", "\x48\xf7\xf1", NONE, NULL, fix_div64),
    INSN("idiv cl", "\xf6\xf9", NONE, NULL, fix_idiv8),
    INSN("idiv cx", "\x66\xf7\xf9", NONE, NULL, fix_idiv16),
    INSN("idiv ecx", "\xf7\xf9", NONE, NULL, fix_idiv32),
    INSN("idiv rcx", "\x48\xf7\xf9", NONE, NULL, fix_idiv64),
};

static void test_muldiv(void)
{
    COMPARE_TABLE(muldiv_insns, 1003);
}

/* BT BTS BTR BTC BSF BSR TZCNT LZCNT POPCNT */
static const Insn bits_insns[] = {
    // BT BTS BTR BTC: CF only
    INSN("bt ax, cx", "\x66\x0f\xa3\xc8", CF, NULL, NULL),
    INSN("bt eax, ecx", "\x0f\xa3\xc8", CF, NULL, NULL),
    INSN("bt rax, rcx", "\x48\x0f\xa3\xc8", CF, NULL, NULL),
    INSN("bt eax, 35", "\x0f\xba\xe0\x23", CF, NULL, NULL),
    INSN("bts ax, cx", "\x66\x0f\xab\xc8", CF, NULL, NULL),
    INSN("bts eax, ecx", "\x0f\xab\xc8", CF, NULL, NULL),
    INSN("bts rax, 63", "\x48\x0f\xba\xe8\x3f", CF, NULL, NULL),
    INSN("btr eax, ecx", "\x0f\xb3\xc8", CF, NULL, NULL),
    INSN("btr rax, rcx", "\x48\x0f\xb3\xc8", CF, NULL, NULL),
    INSN("btc ax, 17", "\x66\x0f\xba\xf8\x11", CF, NULL, NULL),
    INSN("btc rax, rcx", "\x48\x0f\xbb\xc8", CF, NULL, NULL),
    INSN("bt word [rbx], cx", "\x66\x0f\xa3\x0b", CF, NULL, fix_btmem),
    INSN("bt dword [rbx], ecx", "\x0f\xa3\x0b", CF, NULL, fix_btmem),
    INSN("bt qword [rbx], rcx", "\x48\x0f\xa3\x0b", CF, NULL, fix_btmem),
    INSN("bts dword [rbx], ecx", "\x0f\xab\x0b", CF, NULL, fix_btmem),
    INSN("btr qword [rbx], rcx", "\x48\x0f\xb3\x0b", CF, NULL, fix_btmem),
    INSN("btc word [rbx], cx", "\x66\x0f\xbb\x0b", CF, NULL, fix_btmem),
    INSN("lock bts dword [rbx], ecx", "\xf0\x0f\xab\x0b", CF, NULL, fix_btmem),
    INSN("lock btr word [rbx], cx", "\xf0\x66\x0f\xb3\x0b", CF, NULL, fix_btmem),
    INSN("lock btc qword [rbx], rcx", "\xf0\x48\x0f\xbb\x0b", CF, NULL, fix_btmem),
    INSN("btr dword [rbx], 13", "\x0f\xba\x33\x0d", CF, NULL, NULL),
    INSN("lock btc qword [rbx], 40", "\xf0\x48\x0f\xba\x3b\x28", CF, NULL, NULL),
    // BSF BSR: ZF; TZCNT LZCNT: CF ZF; POPCNT: every flag
    INSN("bsf ax, bx", "\x66\x0f\xbc\xc3", ZF, NULL, fix_scan),
    INSN("bsf eax, ebx", "\x0f\xbc\xc3", ZF, NULL, fix_scan),
    INSN("bsf rax, rbx", "\x48\x0f\xbc\xc3", ZF, NULL, fix_scan),
    INSN("bsf eax, [rbx]", "\x0f\xbc\x03", ZF, NULL, fix_scan_mem),
    INSN("bsr ax, bx", "\x66\x0f\xbd\xc3", ZF, NULL, fix_scan),
    INSN("bsr eax, ebx", "\x0f\xbd\xc3", ZF, NULL, fix_scan),
    INSN("bsr rax, rbx", "\x48\x0f\xbd\xc3", ZF, NULL, fix_scan),
    INSN("bsr rax, [rbx]", "\x48\x0f\xbd\x03", ZF, NULL, fix_scan_mem),
    INSN("tzcnt ax, bx", "\x66\xf3\x0f\xbc\xc3", CZ, NULL, fix_scan),
    INSN("tzcnt eax, ebx", "\xf3\x0f\xbc\xc3", CZ, NULL, fix_scan),
    INSN("tzcnt rax, [rbx]", "\xf3\x48\x0f\xbc\x03", CZ, NULL, fix_scan_mem),
    INSN("lzcnt ax, bx", "\x66\xf3\x0f\xbd\xc3", CZ, NULL, fix_scan),
    INSN("lzcnt eax, ebx", "\xf3\x0f\xbd\xc3", CZ, NULL, fix_scan),
    INSN("lzcnt rax, rbx", "\xf3\x48\x0f\xbd\xc3", CZ, NULL, fix_scan),
    INSN("popcnt ax, bx", "\x66\xf3\x0f\xb8\xc3", ALL, NULL, fix_scan),
    INSN("popcnt eax, ebx", "\xf3\x0f\xb8\xc3", ALL, NULL, fix_scan),
    INSN("popcnt rax, [rbx]", "\xf3\x48\x0f\xb8\x03", ALL, NULL, fix_scan_mem),
};

static void test_bits(void)
{
    COMPARE_TABLE(bits_insns, 1004);
}

/* BMI1 BMI2 ADX */
static const Insn bmi_insns[] = {
    INSN("andn eax, ebx, ecx", "\xc4\xe2\x60\xf2\xc1", SZCO, NULL, NULL),
    INSN("andn rax, rbx, [rbx]", "\xc4\xe2\xe0\xf2\x03", SZCO, NULL, NULL),
    INSN("bextr eax, ebx, ecx", "\xc4\xe2\x70\xf7\xc3", ZCO, NULL, fix_bextr),
    INSN("bextr rax, [rbx], rcx", "\xc4\xe2\xf0\xf7\x03", ZCO, NULL, fix_bextr),
    INSN("blsi eax, ebx", "\xc4\xe2\x78\xf3\xdb", SZCO, NULL, fix_scan),
    INSN("blsi rax, [rbx]", "\xc4\xe2\xf8\xf3\x1b", SZCO, NULL, fix_scan_mem),
    INSN("blsmsk eax, ebx", "\xc4\xe2\x78\xf3\xd3", SZCO, NULL, fix_scan),
    INSN("blsmsk rax, rbx", "\xc4\xe2\xf8\xf3\xd3", SZCO, NULL, fix_scan),
    INSN("blsr eax, ebx", "\xc4\xe2\x78\xf3\xcb", SZCO, NULL, fix_scan),
    INSN("blsr rax, [rbx]", "\xc4\xe2\xf8\xf3\x0b", SZCO, NULL, fix_scan_mem),
    INSN("bzhi eax, ebx, ecx", "\xc4\xe2\x70\xf5\xc3", SZCO, NULL, fix_bzhi),
    INSN("bzhi rax, rbx, rcx", "\xc4\xe2\xf0\xf5\xc3", SZCO, NULL, fix_bzhi),
    INSN("bzhi rax, [rbx], rcx", "\xc4\xe2\xf0\xf5\x03", SZCO, NULL, fix_bzhi),
    INSN("pdep eax, ebx, ecx", "\xc4\xe2\x63\xf5\xc1", ALL, NULL, NULL),
    INSN("pdep rax, rbx, [rbx]", "\xc4\xe2\xe3\xf5\x03", ALL, NULL, NULL),
    INSN("pext eax, ebx, ecx", "\xc4\xe2\x62\xf5\xc1", ALL, NULL, NULL),
    INSN("pext rax, rbx, rcx", "\xc4\xe2\xe2\xf5\xc1", ALL, NULL, NULL),
    INSN("mulx eax, ecx, ebx", "\xc4\xe2\x73\xf6\xc3", ALL, NULL, NULL),
    INSN("mulx rax, rcx, [rbx]", "\xc4\xe2\xf3\xf6\x03", ALL, NULL, NULL),
    INSN("mulx rax, rax, rbx", "\xc4\xe2\xfb\xf6\xc3", ALL, NULL, NULL),
    INSN("rorx eax, ebx, 5", "\xc4\xe3\x7b\xf0\xc3\x05", ALL, NULL, NULL),
    INSN("rorx rax, [rbx], 60", "\xc4\xe3\xfb\xf0\x03\x3c", ALL, NULL, NULL),
    INSN("sarx eax, ebx, ecx", "\xc4\xe2\x72\xf7\xc3", ALL, NULL, NULL),
    INSN("sarx rax, rbx, rcx", "\xc4\xe2\xf2\xf7\xc3", ALL, NULL, NULL),
    INSN("shlx eax, [rbx], ecx", "\xc4\xe2\x71\xf7\x03", ALL, NULL, NULL),
    INSN("shlx rax, rbx, rcx", "\xc4\xe2\xf1\xf7\xc3", ALL, NULL, NULL),
    INSN("shrx eax, ebx, ecx", "\xc4\xe2\x73\xf7\xc3", ALL, NULL, NULL),
    INSN("shrx rax, [rbx], rcx", "\xc4\xe2\xf3\xf7\x03", ALL, NULL, NULL),
    INSN("adcx eax, ebx", "\x66\x0f\x38\xf6\xc3", ALL, NULL, fix_adx),
    INSN("adcx rax, rbx", "\x66\x48\x0f\x38\xf6\xc3", ALL, NULL, fix_adx),
    INSN("adcx rax, [rbx]", "\x66\x48\x0f\x38\xf6\x03", ALL, NULL, fix_adx),
    INSN("adox eax, ebx", "\xf3\x0f\x38\xf6\xc3", ALL, NULL, fix_adx),
    INSN("adox rax, [rbx]", "\xf3\x48\x0f\x38\xf6\x03", ALL, NULL, fix_adx),
};

static void test_bmi(void)
{
    COMPARE_TABLE(bmi_insns, 1005);
}

/* XCHG XADD CMPXCHG CMPXCHG8B CMPXCHG16B */
static const Insn xchg_insns[] = {
    INSN("xchg eax, ebx", "\x93", ALL, NULL, NULL),
    INSN("xchg ax, r8w", "\x66\x41\x90", ALL, NULL, NULL),
    INSN("xchg bl, ch", "\x86\xdd", ALL, NULL, NULL),
    INSN("xchg rax, r9", "\x49\x91", ALL, NULL, NULL),
    INSN("xchg [rbx], ecx", "\x87\x0b", ALL, NULL, NULL),
    INSN("xchg [rbx], cl", "\x86\x0b", ALL, NULL, NULL),
    INSN("xadd eax, ebx", "\x0f\xc1\xd8", ALL, NULL, NULL),
    INSN("xadd eax, eax", "\x0f\xc1\xc0", ALL, NULL, NULL),
    INSN("xadd cl, dl", "\x0f\xc0\xd1", ALL, NULL, NULL),
    INSN("xadd [rbx], rcx", "\x48\x0f\xc1\x0b", ALL, NULL, NULL),
    INSN("lock xadd dword [rbx], ecx", "\xf0\x0f\xc1\x0b", ALL, NULL, NULL),
    INSN("lock xadd word [rbx], cx", "\xf0\x66\x0f\xc1\x0b", ALL, NULL, NULL),
    INSN("cmpxchg ebx, ecx", "\x0f\xb1\xcb", ALL, NULL, fix_cmpxchg),
    INSN("cmpxchg rbx, rcx", "\x48\x0f\xb1\xcb", ALL, NULL, fix_cmpxchg),
    INSN("cmpxchg bl, cl", "\x0f\xb0\xcb", ALL, NULL, fix_cmpxchg),
    INSN("cmpxchg bx, cx", "\x66\x0f\xb1\xcb", ALL, NULL, fix_cmpxchg),
    INSN("cmpxchg eax, ecx", "\x0f\xb1\xc8", ALL, NULL, fix_cmpxchg),
    INSN("cmpxchg [rbx], ecx", "\x0f\xb1\x0b", ALL, NULL, fix_cmpxchg),
    INSN("cmpxchg [rbx], cl", "\x0f\xb0\x0b", ALL, NULL, fix_cmpxchg),
    INSN("lock cmpxchg [rbx], rcx", "\xf0\x48\x0f\xb1\x0b", ALL, NULL, fix_cmpxchg),
    INSN("lock cmpxchg [rbx], cx", "\xf0\x66\x0f\xb1\x0b", ALL, NULL, fix_cmpxchg),
    INSN("cmpxchg8b [rbx]", "\x0f\xc7\x0b", ALL, NULL, fix_cmpxchg),
    INSN("lock cmpxchg8b [rbx]", "\xf0\x0f\xc7\x0b", ALL, NULL, fix_cmpxchg),
    INSN("lock cmpxchg16b [rbx]", "\xf0\x48\x0f\xc7\x0b", ALL, NULL, fix_cmpxchg),
};

static void test_xchg(void)
{
    COMPARE_TABLE(xchg_insns, 1006);
}

/* BSWAP MOVBE CRC32 */
static const Insn swap_insns[] = {
    INSN("bswap eax", "\x0f\xc8", ALL, NULL, NULL),
    INSN("bswap rax", "\x48\x0f\xc8", ALL, NULL, NULL),
    INSN("bswap r10d", "\x41\x0f\xca", ALL, NULL, NULL),
    INSN("db 0x66, 0x0f, 0xc8", "\x66\x0f\xc8", ALL, NULL, NULL),
    INSN("movbe eax, [rbx]", "\x0f\x38\xf0\x03", ALL, NULL, NULL),
    INSN("movbe ax, [rbx]", "\x66\x0f\x38\xf0\x03", ALL, NULL, NULL),
    INSN("movbe rax, [rbx]", "\x48\x0f\x38\xf0\x03", ALL, NULL, NULL),
    INSN("movbe [rbx], ecx", "\x0f\x38\xf1\x0b", ALL, NULL, NULL),
    INSN("movbe [rbx], cx", "\x66\x0f\x38\xf1\x0b", ALL, NULL, NULL),
    INSN("movbe [rbx], rcx", "\x48\x0f\x38\xf1\x0b", ALL, NULL, NULL),
    INSN("crc32 eax, bl", "\xf2\x0f\x38\xf0\xc3", ALL, NULL, NULL),
    INSN("crc32 eax, bx", "\x66\xf2\x0f\x38\xf1\xc3", ALL, NULL, NULL),
    INSN("crc32 eax, ebx", "\xf2\x0f\x38\xf1\xc3", ALL, NULL, NULL),
    INSN("crc32 rax, rbx", "\xf2\x48\x0f\x38\xf1\xc3", ALL, NULL, NULL),
    INSN("crc32 eax, byte [rbx]", "\xf2\x0f\x38\xf0\x03", ALL, NULL, NULL),
    INSN("crc32 rax, qword [rbx]", "\xf2\x48\x0f\x38\xf1\x03", ALL, NULL, NULL),
};

static void test_swap(void)
{
    COMPARE_TABLE(swap_insns, 1007);
}

/* conversions, moves, LEA, XLAT, SETcc, CMOVcc, LAHF/SAHF, NOPs and fences */
static const Insn misc_insns[] = {
    INSN("cbw", "\x66\x98", ALL, NULL, NULL),
    INSN("cwde", "\x98", ALL, NULL, NULL),
    INSN("cdqe", "\x48\x98", ALL, NULL, NULL),
    INSN("cwd", "\x66\x99", ALL, NULL, NULL),
    INSN("cdq", "\x99", ALL, NULL, NULL),
    INSN("cqo", "\x48\x99", ALL, NULL, NULL),
    INSN("movsx eax, bl", "\x0f\xbe\xc3", ALL, NULL, NULL),
    INSN("movsx rax, bx", "\x48\x0f\xbf\xc3", ALL, NULL, NULL),
    INSN("movsx ax, bl", "\x66\x0f\xbe\xc3", ALL, NULL, NULL),
    INSN("movzx eax, bh", "\x0f\xb6\xc7", ALL, NULL, NULL),
    INSN("movzx rax, word [rbx]", "\x48\x0f\xb7\x03", ALL, NULL, NULL),
    INSN("movsxd rax, ebx", "\x48\x63\xc3", ALL, NULL, NULL),
    INSN("movsxd rax, dword [rbx]", "\x48\x63\x03", ALL, NULL, NULL),
    INSN("db 0x63, 0xc3", "\x63\xc3", ALL, NULL, NULL),
    INSN("lahf", "\x9f", ALL, NULL, NULL),
    INSN("sahf", "\x9e", ALL, NULL, NULL),
    INSN("db 0x48, 0x9f", "\x48\x9f", ALL, NULL, NULL),
    INSN("db 0x48, 0x9e", "\x48\x9e", ALL, NULL, NULL),
    INSN("lea eax, [rbx+rcx*4+8]", "\x8d\x44\x8b\x08", ALL, NULL, NULL),
    INSN("lea rax, [rbx+rcx*8-100]", "\x48\x8d\x44\xcb\x9c", ALL, NULL, NULL),
    INSN("lea ax, [rbx+rcx]", "\x66\x8d\x04\x0b", ALL, NULL, NULL),
    INSN("lea eax, [ebx+ecx*2]", "\x67\x8d\x04\x4b", ALL, NULL, NULL),
    INSN("lea rax, [rel $+0x100]", "\x48\x8d\x05\xf9\x00\x00\x00", ALL, NULL, NULL),
    INSN("xlatb", "\xd7", ALL, NULL, NULL),
    INSN("mov eax, ebx", "\x89\xd8", ALL, NULL, NULL),
    INSN("mov al, bh", "\x88\xf8", ALL, NULL, NULL),
    INSN("mov r10b, [rbx]", "\x44\x8a\x13", ALL, NULL, NULL),
    INSN("mov sil, dl", "\x40\x88\xd6", ALL, NULL, NULL),
    INSN("mov [rbx], r11w", "\x66\x44\x89\x1b", ALL, NULL, NULL),
    INSN("mov rax, 0x123456789abcdef0", "\x48\xb8\xf0\xde\xbc\x9a\x78\x56\x34\x12", ALL, NULL,
         NULL),
    INSN("mov ecx, [rel $]", "\x8b\x0d\xfa\xff\xff\xff", ALL, NULL, NULL),
    INSN("mov rax, [qword 0x200800]", "\x48\xa1\x00\x08\x20\x00\x00\x00\x00\x00", ALL, NULL, NULL),
    INSN("mov [qword 0x200804], eax", "\xa3\x04\x08\x20\x00\x00\x00\x00\x00", ALL, NULL, NULL),
    INSN("mov ax, ds", "\x66\x8c\xd8", ALL, NULL, NULL),
    INSN("mov eax, ds", "\x8c\xd8", ALL, NULL, NULL),
    INSN("mov [rbx], ds", "\x8c\x1b", ALL, NULL, NULL),
    INSN("seto al", "\x0f\x90\xc0", ALL, NULL, NULL),
    INSN("setno al", "\x0f\x91\xc0", ALL, NULL, NULL),
    INSN("setb al", "\x0f\x92\xc0", ALL, NULL, NULL),
    INSN("setae al", "\x0f\x93\xc0", ALL, NULL, NULL),
    INSN("sete al", "\x0f\x94\xc0", ALL, NULL, NULL),
    INSN("setne al", "\x0f\x95\xc0", ALL, NULL, NULL),
    INSN("setbe al", "\x0f\x96\xc0", ALL, NULL, NULL),
    INSN("seta al", "\x0f\x97\xc0", ALL, NULL, NULL),
    INSN("sets al", "\x0f\x98\xc0", ALL, NULL, NULL),
    INSN("setns al", "\x0f\x99\xc0", ALL, NULL, NULL),
    INSN("setp al", "\x0f\x9a\xc0", ALL, NULL, NULL),
    INSN("setnp al", "\x0f\x9b\xc0", ALL, NULL, NULL),
    INSN("setl al", "\x0f\x9c\xc0", ALL, NULL, NULL),
    INSN("setge al", "\x0f\x9d\xc0", ALL, NULL, NULL),
    INSN("setle al", "\x0f\x9e\xc0", ALL, NULL, NULL),
    INSN("setg al", "\x0f\x9f\xc0", ALL, NULL, NULL),
    INSN("setne byte [rbx]", "\x0f\x95\x03", ALL, NULL, NULL),
    INSN("setl bh", "\x0f\x9c\xc7", ALL, NULL, NULL),
    INSN("cmovo eax, ebx", "\x0f\x40\xc3", ALL, NULL, NULL),
    INSN("cmovno eax, ebx", "\x0f\x41\xc3", ALL, NULL, NULL),
    INSN("cmovb eax, ebx", "\x0f\x42\xc3", ALL, NULL, NULL),
    INSN("cmovae eax, ebx", "\x0f\x43\xc3", ALL, NULL, NULL),
    INSN("cmove eax, ebx", "\x0f\x44\xc3", ALL, NULL, NULL),
    INSN("cmovne eax, ebx", "\x0f\x45\xc3", ALL, NULL, NULL),
    INSN("cmovbe eax, ebx", "\x0f\x46\xc3", ALL, NULL, NULL),
    INSN("cmova eax, ebx", "\x0f\x47\xc3", ALL, NULL, NULL),
    INSN("cmovs eax, ebx", "\x0f\x48\xc3", ALL, NULL, NULL),
    INSN("cmovns eax, ebx", "\x0f\x49\xc3", ALL, NULL, NULL),
    INSN("cmovp eax, ebx", "\x0f\x4a\xc3", ALL, NULL, NULL),
    INSN("cmovnp eax, ebx", "\x0f\x4b\xc3", ALL, NULL, NULL),
    INSN("cmovl eax, ebx", "\x0f\x4c\xc3", ALL, NULL, NULL),
    INSN("cmovge eax, ebx", "\x0f\x4d\xc3", ALL, NULL, NULL),
    INSN("cmovle eax, ebx", "\x0f\x4e\xc3", ALL, NULL, NULL),
    INSN("cmovg eax, ebx", "\x0f\x4f\xc3", ALL, NULL, NULL),
    INSN("cmove rax, [rbx]", "\x48\x0f\x44\x03", ALL, NULL, NULL),
    INSN("cmovne ax, bx", "\x66\x0f\x45\xc3", ALL, NULL, NULL),
    INSN("nop", "\x90", ALL, NULL, NULL),
    INSN("nop dword [rax+rax*1+0]", "\x0f\x1f\x04\x00", ALL, NULL, NULL),
    INSN("pause", "\xf3\x90", ALL, NULL, NULL),
    INSN("lfence", "\x0f\xae\xe8", ALL, NULL, NULL),
    INSN("mfence", "\x0f\xae\xf0", ALL, NULL, NULL),
    INSN("sfence", "\x0f\xae\xf8", ALL, NULL, NULL),
    INSN("prefetcht0 [rax]", "\x0f\x18\x08", ALL, NULL, NULL),
    INSN("clflush [rbx]", "\x0f\xae\x3b", ALL, NULL, NULL),
    INSN("movnti [rbx], ecx", "\x0f\xc3\x0b", ALL, NULL, NULL),
    INSN("movnti [rbx], rcx", "\x48\x0f\xc3\x0b", ALL, NULL, NULL),
};

static void test_misc(void)
{
    COMPARE_TABLE(misc_insns, 1008);
}

/* stack and control transfer (balanced snippets) */
static const Insn stack_insns[] = {
    INSN("push rax ; pop rbx", "\x50\x5b", ALL, NULL, NULL),
    INSN("push r12 ; pop r13", "\x41\x54\x41\x5d", ALL, NULL, NULL),
    INSN("push 0x12345678 ; pop rcx", "\x68\x78\x56\x34\x12\x59", ALL, NULL, NULL),
    INSN("push -5 ; pop rdx", "\x6a\xfb\x5a", ALL, NULL, NULL),
    INSN("push ax ; pop cx", "\x66\x50\x66\x59", ALL, NULL, NULL),
    INSN("push word 0x1234 ; pop dx", "\x66\x68\x34\x12\x66\x5a", ALL, NULL, NULL),
    INSN("push qword [rbx] ; pop qword [rbx+8]", "\xff\x33\x8f\x43\x08", ALL, NULL, NULL),
    INSN("push rsp ; pop rax ; sub rax, rsp", "\x54\x58\x48\x29\xe0", ALL, NULL, NULL),
    INSN("call $+5 ; pop rax", "\xe8\x00\x00\x00\x00\x58", ALL, NULL, NULL),
    INSN("enter 0x20, 0 ; mov rax, rbp ; sub rax, rsp ; leave",
         "\xc8\x20\x00\x00\x48\x89\xe8\x48\x29\xe0\xc9", ALL, NULL, fix_enter),
    INSN("enter 0x10, 1 ; mov rax, [rbp-8] ; sub rax, rbp ; leave",
         "\xc8\x10\x00\x01\x48\x8b\x45\xf8\x48\x29\xe8\xc9", ALL, NULL, fix_enter),
    INSN("enter 8, 3 ; mov rax, [rbp-8] ; mov rcx, [rbp-16] ; mov rdx, [rbp-24] ; sub rdx, rbp ; "
         "leave",
         "\xc8\x08\x00\x03\x48\x8b\x45\xf8\x48\x8b\x4d\xf0\x48\x8b\x55\xe8\x48\x29\xea\xc9", ALL,
         NULL, fix_enter),
    INSN("enter 4, 2 ; mov ax, [rbp-8] ; leave", "\xc8\x04\x00\x02\x66\x8b\x45\xf8\xc9", ALL, NULL,
         fix_enter),
    INSN("jmp $+4 ; inc eax ; inc eax ; inc eax", "\xeb\x02\xff\xc0\xff\xc0\xff\xc0", ALL, NULL,
         NULL),
    INSN("lea rcx, [rel $+11] ; jmp rcx ; inc eax ; inc eax ; inc eax",
         "\x48\x8d\x0d\x04\x00\x00\x00\xff\xe1\xff\xc0\xff\xc0\xff\xc0", ALL, NULL, NULL),
    INSN("call $+9 ; inc eax ; jmp $+5 ; inc ecx ; ret",
         "\xe8\x04\x00\x00\x00\xff\xc0\xeb\x03\xff\xc1\xc3", ALL, NULL, NULL),
    INSN("push rax ; mov eax, 7 ; ret 0", "\x50\xb8\x07\x00\x00\x00\xc2\x00\x00", ALL, NULL,
         fix_ret),
    INSN("lea rcx, [rel $+11] ; push rcx ; ret ; inc eax ; inc eax ; inc eax",
         "\x48\x8d\x0d\x04\x00\x00\x00\x51\xc3\xff\xc0\xff\xc0\xff\xc0", ALL, NULL, NULL),
    INSN("mov ecx, 3 ; inc eax ; loop $-2", "\xb9\x03\x00\x00\x00\xff\xc0\xe2\xfc", ALL, NULL,
         NULL),
    INSN("mov ecx, 5 ; inc eax ; cmp eax, 2 ; loopne $-5",
         "\xb9\x05\x00\x00\x00\xff\xc0\x83\xf8\x02\xe0\xf9", ALL, NULL, NULL),
    INSN("jrcxz $+4 ; inc eax ; inc eax", "\xe3\x02\xff\xc0\xff\xc0", ALL, NULL, NULL),
    INSN("jecxz $+5 ; inc eax ; inc eax", "\x67\xe3\x02\xff\xc0\xff\xc0", ALL, NULL, NULL),
};

static void test_stack(void)
{
    COMPARE_TABLE(stack_insns, 1009);
}

/* string instructions with REP, both directions, 32-bit addresses */
static const Insn string_insns[] = {
    INSN("rep movsb", "\xf3\xa4", ALL, NULL, fix_str),
    INSN("rep movsw", "\xf3\x66\xa5", ALL, NULL, fix_str),
    INSN("rep movsd", "\xf3\xa5", ALL, NULL, fix_str),
    INSN("rep movsq", "\xf3\x48\xa5", ALL, NULL, fix_str),
    INSN("std ; rep movsd ; cld", "\xfd\xf3\xa5\xfc", ALL, NULL, fix_str),
    INSN("movsb", "\xa4", ALL, NULL, fix_str),
    INSN("a32 rep movsb", "\xf3\x67\xa4", ALL, NULL, fix_str32),
    INSN("a32 rep stosd", "\xf3\x67\xab", ALL, NULL, fix_str32),
    INSN("rep stosb", "\xf3\xaa", ALL, NULL, fix_str),
    INSN("rep stosq", "\xf3\x48\xab", ALL, NULL, fix_str),
    INSN("std ; stosw ; cld", "\xfd\x66\xab\xfc", ALL, NULL, fix_str),
    INSN("lodsb", "\xac", ALL, NULL, fix_str),
    INSN("rep lodsw", "\xf3\x66\xad", ALL, NULL, fix_str),
    INSN("lodsq", "\x48\xad", ALL, NULL, fix_str),
    INSN("repe cmpsb", "\xf3\xa6", ALL, NULL, fix_cmps),
    INSN("repe cmpsd", "\xf3\xa7", ALL, NULL, fix_cmps),
    INSN("repne cmpsb", "\xf2\xa6", ALL, NULL, fix_cmps),
    INSN("cmpsw", "\x66\xa7", ALL, NULL, fix_cmps),
    INSN("a32 repe cmpsq", "\xf3\x67\x48\xa7", ALL, NULL, fix_cmps),
    INSN("repne scasb", "\xf2\xae", ALL, NULL, fix_scas),
    INSN("repe scasb", "\xf3\xae", ALL, NULL, fix_scas),
    INSN("repne scasw", "\xf2\x66\xaf", ALL, NULL, fix_scas),
    INSN("scasd", "\xaf", ALL, NULL, fix_scas),
    INSN("std ; repne scasb ; cld", "\xfd\xf2\xae\xfc", ALL, NULL, fix_scas),
};

static void test_string(void)
{
    COMPARE_TABLE(string_insns, 1010);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/int/alu", test_alu);
    g_test_add_func("/int/shift", test_shift);
    g_test_add_func("/int/shiftd", test_shiftd);
    g_test_add_func("/int/muldiv", test_muldiv);
    g_test_add_func("/int/bits", test_bits);
    g_test_add_func("/int/bmi-adx", test_bmi);
    g_test_add_func("/int/xchg-cmpxchg", test_xchg);
    g_test_add_func("/int/bswap-movbe-crc32", test_swap);
    g_test_add_func("/int/misc", test_misc);
    g_test_add_func("/int/stack-branches", test_stack);
    g_test_add_func("/int/string", test_string);
    return g_test_run();
}
