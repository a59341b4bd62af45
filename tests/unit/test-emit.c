/* Tests of the native backend's instruction encoder (tcg/x86_64/emit.h): the bytes of
 * representative forms of each encoding path (REX bits, byte registers, SIB for
 * RSP/R12 bases and indexes, the RBP/R13 displacement, imm8 and imm32, VEX, rel32
 * branches), checked against the Intel SDM Vol 2 encodings, and the bounds of the
 * window: an instruction that does not fit sets overflow and writes nothing, and no
 * byte past the window is ever written. */
#include <glib.h>
#include <string.h>

#include "tcg/x86_64/emit.h"

#define WINDOW 64
#define GUARD  32

typedef struct EmitFixture {
    uint8_t mem[WINDOW + GUARD];
    Emitter e;
} EmitFixture;

static void fixture_init(EmitFixture *f, size_t window)
{
    memset(f->mem, 0xaa, sizeof(f->mem));
    x64_init(&f->e, f->mem, window, 0);
}

/* The bytes emitted since init are `want`, and nothing past the window changed. */
static void assert_bytes(EmitFixture *f, const uint8_t *want, size_t n, size_t window)
{
    g_assert_false(f->e.overflow);
    g_assert_cmpmem(f->mem, x64_offset(&f->e), want, n);
    for (size_t i = window; i < sizeof(f->mem); i++) {
        g_assert_cmphex(f->mem[i], ==, 0xaa);
    }
}

#define CHECK(f, ...)                                                                              \
    do {                                                                                           \
        static const uint8_t want_[] = {__VA_ARGS__};                                              \
        assert_bytes((f), want_, sizeof(want_), WINDOW);                                           \
        fixture_init((f), WINDOW);                                                                 \
    } while (0)

static void test_register_forms(void)
{
    EmitFixture f;
    fixture_init(&f, WINDOW);
    x64_mov_rr(&f.e, true, HR_RAX, HR_RCX);
    CHECK(&f, 0x48, 0x8b, 0xc1);
    x64_mov_rr(&f.e, false, HR_R8, HR_RAX);
    CHECK(&f, 0x44, 0x8b, 0xc0);
    x64_alu_rr(&f.e, ALU_XOR, false, HR_R15, HR_R15);
    CHECK(&f, 0x45, 0x33, 0xff);
    x64_alu_ri(&f.e, ALU_SUB, true, HR_RBX, 8);
    CHECK(&f, 0x48, 0x83, 0xeb, 0x08);
    x64_alu_ri(&f.e, ALU_AND, false, HR_RAX, 0x1000);
    CHECK(&f, 0x81, 0xe0, 0x00, 0x10, 0x00, 0x00);
    x64_setcc(&f.e, HC_NE, HR_RSI); /* SIL needs a REX prefix */
    CHECK(&f, 0x40, 0x0f, 0x95, 0xc6);
    x64_setcc(&f.e, HC_E, HR_RAX);
    CHECK(&f, 0x0f, 0x94, 0xc0);
    x64_ext_rr(&f.e, EXT_8U, false, HR_RAX, HR_RDI);
    CHECK(&f, 0x40, 0x0f, 0xb6, 0xc7);
    x64_ext_rr(&f.e, EXT_32S, true, HR_R9, HR_RDX);
    CHECK(&f, 0x4c, 0x63, 0xca);
    x64_shift_ri(&f.e, SHIFT_SHL, true, HR_RDX, 1);
    CHECK(&f, 0x48, 0xd1, 0xe2);
    x64_shift_ri(&f.e, SHIFT_SAR, false, HR_R11, 7);
    CHECK(&f, 0x41, 0xc1, 0xfb, 0x07);
    x64_imul_rri(&f.e, true, HR_RAX, HR_RBX, 1000);
    CHECK(&f, 0x48, 0x69, 0xc3, 0xe8, 0x03, 0x00, 0x00);
    x64_shiftx(&f.e, SHIFT_SHL, true, HR_RAX, HR_RCX, HR_RDX);
    CHECK(&f, 0xc4, 0xe2, 0xe9, 0xf7, 0xc1);
    x64_andn(&f.e, false, HR_R8, HR_RAX, HR_R9);
    CHECK(&f, 0xc4, 0x42, 0x78, 0xf2, 0xc1);
    x64_push(&f.e, HR_R12);
    x64_pop(&f.e, HR_RBX);
    x64_ret(&f.e);
    x64_mfence(&f.e);
    CHECK(&f, 0x41, 0x54, 0x5b, 0xc3, 0x0f, 0xae, 0xf0);
}

static void test_immediates(void)
{
    EmitFixture f;
    fixture_init(&f, WINDOW);
    x64_movi(&f.e, false, HR_RAX, 1);
    CHECK(&f, 0xb8, 0x01, 0x00, 0x00, 0x00);
    x64_movi(&f.e, true, HR_R10, UINT64_MAX);
    CHECK(&f, 0x49, 0xc7, 0xc2, 0xff, 0xff, 0xff, 0xff);
    x64_movi(&f.e, true, HR_RDX, UINT64_C(0x123456789));
    CHECK(&f, 0x48, 0xba, 0x89, 0x67, 0x45, 0x23, 0x01, 0x00, 0x00, 0x00);
    x64_movi_clobbering_flags(&f.e, true, HR_RCX, 0);
    CHECK(&f, 0x33, 0xc9);
    x64_store_imm(&f.e, 8, HR_RBP, 0x10, -1);
    CHECK(&f, 0x48, 0xc7, 0x45, 0x10, 0xff, 0xff, 0xff, 0xff);
    x64_store_imm(&f.e, 1, HR_RAX, 0, 0x7f);
    CHECK(&f, 0xc6, 0x00, 0x7f);
    x64_store_imm(&f.e, 2, HR_R12, 2, 0x1234);
    CHECK(&f, 0x66, 0x41, 0xc7, 0x44, 0x24, 0x02, 0x34, 0x12);
    x64_cmp_mi(&f.e, 8, HR_RBP, 0x20, 0);
    CHECK(&f, 0x48, 0x83, 0x7d, 0x20, 0x00);
    x64_cmp_mi(&f.e, 1, HR_RBX, 0, 0x80);
    CHECK(&f, 0x80, 0x3b, 0x80);
    x64_u64(&f.e, UINT64_C(0x0102030405060708));
    CHECK(&f, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01);
}

static void test_memory_operands(void)
{
    EmitFixture f;
    fixture_init(&f, WINDOW);
    x64_load(&f.e, EXT_64, true, HR_RAX, HR_RBP, 8);
    CHECK(&f, 0x48, 0x8b, 0x45, 0x08);
    x64_load(&f.e, EXT_64, true, HR_RAX, HR_R12, 0); /* R12 base: SIB */
    CHECK(&f, 0x49, 0x8b, 0x04, 0x24);
    x64_load(&f.e, EXT_64, true, HR_RAX, HR_R13, 0); /* R13 base: disp8 0 */
    CHECK(&f, 0x49, 0x8b, 0x45, 0x00);
    x64_load(&f.e, EXT_64, true, HR_RBX, HR_R14, 0x1000);
    CHECK(&f, 0x49, 0x8b, 0x9e, 0x00, 0x10, 0x00, 0x00);
    x64_load(&f.e, EXT_16S, true, HR_RCX, HR_RSP, -8);
    CHECK(&f, 0x48, 0x0f, 0xbf, 0x4c, 0x24, 0xf8);
    x64_load_x(&f.e, EXT_32U, false, HR_RAX, HR_RBX, HR_R9, 4);
    CHECK(&f, 0x42, 0x8b, 0x44, 0x0b, 0x04);
    x64_store(&f.e, 1, HR_RSI, HR_RDI, 1);
    CHECK(&f, 0x40, 0x88, 0x77, 0x01);
    x64_store(&f.e, 2, HR_RAX, HR_RBX, 0);
    CHECK(&f, 0x66, 0x89, 0x03);
    x64_store_x(&f.e, 8, HR_R8, HR_RAX, HR_RCX, 0);
    CHECK(&f, 0x4c, 0x89, 0x04, 0x08);
    x64_lea_x(&f.e, false, HR_RDX, HR_RDX, HR_RAX, -1);
    CHECK(&f, 0x8d, 0x54, 0x02, 0xff);
    x64_cmp_rm_x(&f.e, true, HR_RAX, HR_R15, -1, 0x40);
    CHECK(&f, 0x49, 0x3b, 0x47, 0x40);
    x64_jmp_mem(&f.e, HR_RAX, 0x18);
    CHECK(&f, 0xff, 0x60, 0x18);
}

static void test_branches(void)
{
    EmitFixture f;
    fixture_init(&f, WINDOW);
    x64_mov_rr(&f.e, true, HR_RAX, HR_RCX);
    size_t at = x64_jcc(&f.e, HC_E, 0x20);
    g_assert_cmpuint(at, ==, 5);
    size_t later = x64_jmp(&f.e, 0);
    g_assert_cmpuint(later, ==, 10);
    x64_patch_rel32(&f.e, later, 0);
    CHECK(&f, 0x48, 0x8b, 0xc1, 0x0f, 0x84, 0x17, 0x00, 0x00, 0x00, 0xe9, 0xf2, 0xff, 0xff, 0xff);
    x64_jmp_abs(&f.e, x64_rx_addr(&f.e, 0x100));
    CHECK(&f, 0xe9, 0xfb, 0x00, 0x00, 0x00);
}

/* Instructions that do not fit set overflow and write nothing; those that fit exactly
 * are written whole; nothing lands past the window. */
static void test_window_end(void)
{
    EmitFixture f;
    for (size_t window = 0; window < 24; window++) {
        fixture_init(&f, window);
        size_t written = 0;
        while (!f.e.overflow) {
            size_t before = x64_offset(&f.e);
            x64_movi(&f.e, true, HR_RDX, UINT64_C(0x123456789)); /* 10 bytes */
            if (!f.e.overflow) {
                g_assert_cmpuint(x64_offset(&f.e), ==, before + 10);
                written += 10;
            } else {
                g_assert_cmpuint(x64_offset(&f.e), ==, before);
            }
        }
        g_assert_cmpuint(written, ==, window / 10 * 10);
        for (size_t i = written; i < sizeof(f.mem); i++) {
            if (i >= window) {
                g_assert_cmphex(f.mem[i], ==, 0xaa);
            }
        }
        fixture_init(&f, window);
        for (size_t i = 0; i < window; i++) {
            x64_byte(&f.e, 0x90);
        }
        g_assert_false(f.e.overflow);
        x64_ret(&f.e);
        g_assert_true(f.e.overflow);
        g_assert_cmpuint(x64_offset(&f.e), ==, window);
        for (size_t i = window; i < sizeof(f.mem); i++) {
            g_assert_cmphex(f.mem[i], ==, 0xaa);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/emit/register-forms", test_register_forms);
    g_test_add_func("/emit/immediates", test_immediates);
    g_test_add_func("/emit/memory-operands", test_memory_operands);
    g_test_add_func("/emit/branches", test_branches);
    g_test_add_func("/emit/window-end", test_window_end);
    return g_test_run();
}
