/* The i8042 keyboard controller with its PS/2 keyboard and mouse, driven through
 * ports 0x60/0x64 as firmware and Linux drive them. */
#include <glib.h>
#include <string.h>

#include "hw/i8042.h"

typedef struct TestIrq {
    int level;
    unsigned raises; /* low-to-high transitions seen */
} TestIrq;

typedef struct Rig {
    Log log;
    AddressSpace io;
    TestIrq irq1, irq12;
    unsigned resets;    /* request_reset calls */
    unsigned a20_calls; /* set_a20 calls */
    bool a20;           /* the level last reported */
    I8042State *s;
} Rig;

static void test_irq_set_level(void *opaque, int n, int level)
{
    TestIrq *irq = opaque;
    (void)n;
    if (level && !irq->level)
        irq->raises++;
    irq->level = level;
}

static void rig_request_reset(void *opaque)
{
    Rig *r = opaque;
    r->resets++;
}

static void rig_set_a20(void *opaque, bool enabled)
{
    Rig *r = opaque;
    r->a20_calls++;
    r->a20 = enabled;
}

static void rig_init(Rig *r)
{
    memset(r, 0, sizeof(*r));
    address_space_init(&r->io, "io", 1 << 16, &r->log);
    IrqLine irq1 = {test_irq_set_level, &r->irq1, 1};
    IrqLine irq12 = {test_irq_set_level, &r->irq12, 12};
    r->s = i8042_new(&r->io, irq1, irq12, rig_request_reset, rig_set_a20, r, &r->log);
}

static void rig_destroy(Rig *r)
{
    i8042_free(r->s);
    address_space_destroy(&r->io);
}

static uint8_t status(Rig *r)
{
    return (uint8_t)address_space_read(&r->io, 0x64, 1);
}

static uint8_t read_data(Rig *r)
{
    return (uint8_t)address_space_read(&r->io, 0x60, 1);
}

static void command(Rig *r, uint8_t cmd)
{
    address_space_write(&r->io, 0x64, cmd, 1);
}

static void write_data(Rig *r, uint8_t val)
{
    address_space_write(&r->io, 0x60, val, 1);
}

static void command_data(Rig *r, uint8_t cmd, uint8_t val)
{
    command(r, cmd);
    write_data(r, val);
}

/* The next byte in the output buffer must be expected, from the mouse if aux. */
static void expect_byte(Rig *r, uint8_t expected, bool aux)
{
    uint8_t st = status(r);
    g_assert_cmphex(st & I8042_STATUS_OBF, ==, I8042_STATUS_OBF);
    g_assert_cmphex(st & I8042_STATUS_AUX_OBF, ==, aux ? I8042_STATUS_AUX_OBF : 0);
    g_assert_cmphex(read_data(r), ==, expected);
}

static void expect_bytes(Rig *r, bool aux, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        expect_byte(r, bytes[i], aux);
    g_assert_cmphex(status(r) & I8042_STATUS_OBF, ==, 0);
}

#define EXPECT_KBD(r, ...)                                                                         \
    do {                                                                                           \
        static const uint8_t expected_[] = {__VA_ARGS__};                                          \
        expect_bytes(r, false, expected_, sizeof(expected_));                                      \
    } while (0)
#define EXPECT_AUX(r, ...)                                                                         \
    do {                                                                                           \
        static const uint8_t expected_[] = {__VA_ARGS__};                                          \
        expect_bytes(r, true, expected_, sizeof(expected_));                                       \
    } while (0)

static void expect_empty(Rig *r)
{
    g_assert_cmphex(status(r) & I8042_STATUS_OBF, ==, 0);
}

/* A controller command with a one-byte answer. */
static uint8_t query(Rig *r, uint8_t cmd)
{
    command(r, cmd);
    g_assert_cmphex(status(r) & (I8042_STATUS_OBF | I8042_STATUS_AUX_OBF), ==, I8042_STATUS_OBF);
    return read_data(r);
}

static void aux_send(Rig *r, uint8_t byte)
{
    command_data(r, I8042_CMD_WRITE_AUX, byte);
}

static void key(Rig *r, uint16_t code, bool down)
{
    ps2_kbd_key(r->s->kbd, code, down);
}

static void test_self_test(void)
{
    Rig r;
    rig_init(&r);
    g_assert_cmphex(status(&r), ==, I8042_STATUS_UNLOCKED | I8042_STATUS_CMD);
    /* SeaBIOS's ps2_keyboard_setup: controller test, keyboard interface test. */
    g_assert_cmphex(query(&r, I8042_CMD_SELF_TEST), ==, 0x55);
    g_assert_cmphex(status(&r) & I8042_STATUS_SYS, ==, I8042_STATUS_SYS);
    g_assert_cmphex(query(&r, I8042_CMD_KBD_TEST), ==, 0x00);
    g_assert_cmphex(query(&r, I8042_CMD_AUX_TEST), ==, 0x00);
    expect_empty(&r);
    g_assert_cmpuint(r.resets, ==, 0);
    rig_destroy(&r);
}

static void test_command_byte(void)
{
    Rig r;
    rig_init(&r);
    g_assert_cmphex(query(&r, 0x20), ==, I8042_CTR_KBD_INT | I8042_CTR_AUX_INT);
    command_data(&r, 0x60, 0x65);
    g_assert_cmphex(status(&r) & I8042_STATUS_CMD, ==, 0);
    g_assert_cmphex(query(&r, 0x20), ==, 0x65);
    g_assert_cmphex(status(&r) & I8042_STATUS_CMD, ==, I8042_STATUS_CMD);
    /* Bit 2 goes through to the status register's system flag, both ways. */
    g_assert_cmphex(status(&r) & I8042_STATUS_SYS, ==, I8042_STATUS_SYS);
    command_data(&r, 0x60, 0x61);
    g_assert_cmphex(status(&r) & I8042_STATUS_SYS, ==, 0);
    /* AD/AE and A7/A8 set and clear the interface disable bits. */
    command(&r, I8042_CMD_KBD_DISABLE);
    command(&r, I8042_CMD_AUX_ENABLE);
    g_assert_cmphex(query(&r, 0x20), ==, 0x51);
    command(&r, I8042_CMD_KBD_ENABLE);
    command(&r, I8042_CMD_AUX_DISABLE);
    g_assert_cmphex(query(&r, 0x20), ==, 0x61);
    /* The rest of the internal RAM: 0x61-0x7F write, 0x21-0x3F read. */
    command_data(&r, 0x7f, 0xa5);
    command_data(&r, 0x61, 0x3c);
    g_assert_cmphex(query(&r, 0x3f), ==, 0xa5);
    g_assert_cmphex(query(&r, 0x21), ==, 0x3c);
    g_assert_cmphex(query(&r, 0x20), ==, 0x61);
    /* A controller command aborts one still waiting for its data byte. */
    command(&r, 0x60);
    command(&r, I8042_CMD_KBD_TEST);
    g_assert_cmphex(read_data(&r), ==, 0x00);
    g_assert_cmphex(query(&r, 0x20), ==, 0x61);
    rig_destroy(&r);
}

static void test_output_port_and_a20(void)
{
    Rig r;
    rig_init(&r);
    /* Reset line high, A20 open, lines released; buffer empty when sampled. */
    g_assert_cmphex(query(&r, I8042_CMD_READ_OUTPUT), ==, 0xcf);
    g_assert_true(i8042_a20_enabled(r.s));
    g_assert_cmphex(query(&r, I8042_CMD_READ_INPUT), ==, 0x80);
    g_assert_cmphex(query(&r, I8042_CMD_READ_TEST_INPUTS), ==, 0x03);
    /* The classic A20 sequence: D1 DD closes the gate, D1 DF opens it. */
    command_data(&r, I8042_CMD_WRITE_OUTPUT, 0xdd);
    g_assert_cmpuint(r.a20_calls, ==, 1);
    g_assert_false(r.a20);
    g_assert_false(i8042_a20_enabled(r.s));
    /* Bit 4 of DD is the buffer-full output: it reads as the buffer is. */
    g_assert_cmphex(query(&r, I8042_CMD_READ_OUTPUT), ==, 0xcd);
    command_data(&r, I8042_CMD_WRITE_OUTPUT, 0xdf);
    g_assert_cmpuint(r.a20_calls, ==, 2);
    g_assert_true(r.a20);
    /* Writing the same gate again reports nothing new. */
    command_data(&r, I8042_CMD_WRITE_OUTPUT, 0xdf);
    g_assert_cmpuint(r.a20_calls, ==, 2);
    /* DD/DF commands move only the gate. */
    command(&r, I8042_CMD_A20_DISABLE);
    g_assert_false(r.a20);
    g_assert_cmphex(query(&r, I8042_CMD_READ_OUTPUT), ==, 0xcd);
    command(&r, I8042_CMD_A20_ENABLE);
    g_assert_true(r.a20);
    g_assert_cmpuint(r.resets, ==, 0);
    /* Bits 4 and 5 show what the output buffer holds when D0 samples them. */
    command_data(&r, I8042_CMD_WRITE_KBD_OBUF, 0x11);
    command(&r, I8042_CMD_READ_OUTPUT);
    g_assert_cmphex(read_data(&r), ==, 0xcf | I8042_OUT_KBD_OBF);
    command_data(&r, I8042_CMD_WRITE_AUX_OBUF, 0x22);
    command(&r, I8042_CMD_READ_OUTPUT);
    g_assert_cmphex(read_data(&r), ==, 0xcf | I8042_OUT_AUX_OBF);
    /* Output port bit 0 low resets the machine. */
    command_data(&r, I8042_CMD_WRITE_OUTPUT, 0xde);
    g_assert_cmpuint(r.resets, ==, 1);
    /* A machine reset opens the gate again and says so. */
    r.s->dev.reset(&r.s->dev);
    g_assert_true(r.a20);
    g_assert_cmpuint(r.a20_calls, ==, 5);
    g_assert_cmphex(query(&r, I8042_CMD_READ_OUTPUT), ==, 0xcf);
    rig_destroy(&r);
}

static void test_pulse_reset(void)
{
    Rig r;
    rig_init(&r);
    /* SeaBIOS's i8042_reboot writes FE ten times. */
    for (int i = 0; i < 10; i++)
        command(&r, I8042_CMD_PULSE_RESET);
    g_assert_cmpuint(r.resets, ==, 10);
    /* FF pulses nothing; F0 pulses bits 3:0, reset among them; FD pulses A20. */
    command(&r, 0xff);
    command(&r, 0xfd);
    g_assert_cmpuint(r.resets, ==, 10);
    command(&r, 0xf0);
    g_assert_cmpuint(r.resets, ==, 11);
    g_assert_cmpuint(r.a20_calls, ==, 0);
    expect_empty(&r);
    rig_destroy(&r);
}

/* SeaBIOS's ps2_keyboard_setup and __ps2_command, byte for byte: both ports
 * disabled with interrupts off, one port enabled per command. */
static void test_seabios_keyboard_setup(void)
{
    Rig r;
    rig_init(&r);
    g_assert_cmphex(query(&r, I8042_CMD_SELF_TEST), ==, 0x55);
    g_assert_cmphex(query(&r, I8042_CMD_KBD_TEST), ==, 0x00);
    /* Reset: ACK, then AA; no third byte. */
    command_data(&r, 0x60, 0x30);
    command_data(&r, 0x60, 0x20);
    write_data(&r, PS2_KBD_CMD_RESET);
    EXPECT_KBD(&r, 0xfa, 0xaa);
    command_data(&r, 0x60, 0x30);
    /* F5 (default and disable), F0 02 (set 2). */
    command_data(&r, 0x60, 0x20);
    write_data(&r, PS2_KBD_CMD_DEFAULT_DISABLE);
    EXPECT_KBD(&r, 0xfa);
    write_data(&r, PS2_KBD_CMD_SCANCODE_SET);
    EXPECT_KBD(&r, 0xfa);
    write_data(&r, 0x02);
    EXPECT_KBD(&r, 0xfa);
    command_data(&r, 0x60, 0x30);
    /* Keys pressed while scanning is off are not sent. */
    ps2_kbd_key(r.s->kbd, 0x1c, true);
    command_data(&r, 0x60, 0x20);
    expect_empty(&r);
    /* CTR: mouse off, translation, keyboard IRQ; then F4 (enable). */
    command_data(&r, 0x60, 0x61);
    write_data(&r, PS2_KBD_CMD_ENABLE);
    g_assert_cmpint(r.irq1.level, ==, 1);
    EXPECT_KBD(&r, 0xfa);
    g_assert_cmpint(r.irq1.level, ==, 0);
    /* Now a key press arrives translated, with IRQ 1. */
    ps2_kbd_key(r.s->kbd, 0x1c, true);
    g_assert_cmpint(r.irq1.level, ==, 1);
    EXPECT_KBD(&r, 0x1e);
    g_assert_cmpint(r.irq12.level, ==, 0);
    rig_destroy(&r);
}

/* Linux's i8042_controller_init / i8042_check_aux and atkbd_probe, with the
 * command byte SeaBIOS leaves (0x61). */
static void test_linux_probe(void)
{
    Rig r;
    rig_init(&r);
    command_data(&r, 0x60, 0x61);
    /* CTR read twice until stable; keyboard disabled, its interrupt off. */
    g_assert_cmphex(query(&r, 0x20), ==, 0x61);
    g_assert_cmphex(query(&r, 0x20), ==, 0x61);
    command_data(&r, 0x60, 0x70);
    /* AUX loopback (D3): the byte comes back flagged as mouse data. */
    command_data(&r, I8042_CMD_WRITE_AUX_OBUF, 0x5a);
    EXPECT_AUX(&r, 0x5a);
    g_assert_cmphex(query(&r, I8042_CMD_AUX_TEST), ==, 0x00);
    command(&r, I8042_CMD_AUX_DISABLE);
    g_assert_cmphex(query(&r, 0x20) & I8042_CTR_AUX_DISABLE, ==, I8042_CTR_AUX_DISABLE);
    command(&r, I8042_CMD_AUX_ENABLE);
    g_assert_cmphex(query(&r, 0x20) & I8042_CTR_AUX_DISABLE, ==, 0);
    /* The AUX IRQ test: loopback with IRQ 12 enabled raises it. */
    command_data(&r, 0x60, 0x52);
    command_data(&r, I8042_CMD_WRITE_AUX_OBUF, 0xa5);
    g_assert_cmpint(r.irq12.level, ==, 1);
    g_assert_cmpint(r.irq1.level, ==, 0);
    EXPECT_AUX(&r, 0xa5);
    g_assert_cmpint(r.irq12.level, ==, 0);
    /* i8042_check_mux: the third loopback byte comes back unchanged, so there
     * is no active multiplexer. */
    command_data(&r, I8042_CMD_WRITE_AUX_OBUF, 0xf0);
    EXPECT_AUX(&r, 0xf0);
    command_data(&r, I8042_CMD_WRITE_AUX_OBUF, 0x56);
    EXPECT_AUX(&r, 0x56);
    command_data(&r, I8042_CMD_WRITE_AUX_OBUF, 0xa4);
    EXPECT_AUX(&r, 0xa4);
    /* Keyboard port on, its interrupt on; atkbd: GETID, translated. */
    command_data(&r, 0x60, 0x43);
    write_data(&r, PS2_KBD_CMD_IDENTIFY);
    EXPECT_KBD(&r, 0xfa, 0xab, 0x41);
    /* Deactivate (F5), LEDs (ED 02), typematic (F3 00), activate (F4). */
    write_data(&r, PS2_KBD_CMD_DEFAULT_DISABLE);
    EXPECT_KBD(&r, 0xfa);
    write_data(&r, PS2_KBD_CMD_SET_LEDS);
    EXPECT_KBD(&r, 0xfa);
    write_data(&r, PS2_KBD_LED_NUM_LOCK);
    EXPECT_KBD(&r, 0xfa);
    g_assert_cmphex(ps2_kbd_leds(r.s->kbd), ==, PS2_KBD_LED_NUM_LOCK);
    write_data(&r, PS2_KBD_CMD_TYPEMATIC);
    EXPECT_KBD(&r, 0xfa);
    write_data(&r, 0x00);
    EXPECT_KBD(&r, 0xfa);
    write_data(&r, PS2_KBD_CMD_ENABLE);
    EXPECT_KBD(&r, 0xfa);
    rig_destroy(&r);
}

static void test_keyboard_commands(void)
{
    Rig r;
    rig_init(&r);
    /* No translation: the raw set-2 answers. */
    write_data(&r, PS2_KBD_CMD_IDENTIFY);
    EXPECT_KBD(&r, 0xfa, 0xab, 0x83);
    write_data(&r, PS2_KBD_CMD_ECHO);
    EXPECT_KBD(&r, 0xee);
    write_data(&r, PS2_KBD_CMD_SCANCODE_SET);
    write_data(&r, 0x00);
    EXPECT_KBD(&r, 0xfa, 0xfa, 0x02);
    /* Set 3 is refused; the option may be given again. */
    write_data(&r, PS2_KBD_CMD_SCANCODE_SET);
    write_data(&r, 0x03);
    EXPECT_KBD(&r, 0xfa, 0xfe);
    write_data(&r, 0x00);
    EXPECT_KBD(&r, 0xfa, 0x02);
    /* With translation, even the answers go through the table. */
    command_data(&r, 0x60, 0x40);
    write_data(&r, PS2_KBD_CMD_SCANCODE_SET);
    write_data(&r, 0x00);
    EXPECT_KBD(&r, 0xfa, 0xfa, 0x41);
    command_data(&r, 0x60, 0x00);
    /* LEDs: all three, the handler told. */
    write_data(&r, PS2_KBD_CMD_SET_LEDS);
    write_data(&r, 0x07);
    EXPECT_KBD(&r, 0xfa, 0xfa);
    g_assert_cmphex(ps2_kbd_leds(r.s->kbd), ==, 0x07);
    /* A command instead of the option byte: the new command wins. */
    write_data(&r, PS2_KBD_CMD_SET_LEDS);
    write_data(&r, PS2_KBD_CMD_ECHO);
    EXPECT_KBD(&r, 0xfa, 0xee);
    g_assert_cmphex(ps2_kbd_leds(r.s->kbd), ==, 0x07);
    /* Set-3 key type commands are acknowledged, unknown bytes are not. */
    write_data(&r, 0xf7);
    EXPECT_KBD(&r, 0xfa);
    write_data(&r, 0xfb);
    write_data(&r, 0x1c);
    EXPECT_KBD(&r, 0xfa, 0xfa);
    write_data(&r, 0x01);
    EXPECT_KBD(&r, 0xfa);
    write_data(&r, PS2_KBD_CMD_ENABLE);
    EXPECT_KBD(&r, 0xfa);
    write_data(&r, 0x01);
    EXPECT_KBD(&r, 0xfe);
    write_data(&r, 0xef);
    EXPECT_KBD(&r, 0xfe);
    /* Resend: the last byte the host read. */
    write_data(&r, PS2_KBD_CMD_ECHO);
    EXPECT_KBD(&r, 0xee);
    write_data(&r, PS2_KBD_CMD_RESEND);
    EXPECT_KBD(&r, 0xee);
    /* Reset: defaults again (LEDs off, set 2). */
    write_data(&r, PS2_KBD_CMD_SCANCODE_SET);
    write_data(&r, 0x01);
    EXPECT_KBD(&r, 0xfa, 0xfa);
    write_data(&r, PS2_KBD_CMD_RESET);
    EXPECT_KBD(&r, 0xfa, 0xaa);
    g_assert_cmphex(ps2_kbd_leds(r.s->kbd), ==, 0);
    write_data(&r, PS2_KBD_CMD_SCANCODE_SET);
    write_data(&r, 0x00);
    EXPECT_KBD(&r, 0xfa, 0xfa, 0x02);
    /* Writing to the keyboard enables its interface again; the reply goes
     * ahead of the key codes already waiting in the keyboard. */
    command(&r, I8042_CMD_KBD_DISABLE);
    key(&r, 0x1c, true);
    write_data(&r, PS2_KBD_CMD_ECHO);
    EXPECT_KBD(&r, 0xee, 0x1c);
    g_assert_cmphex(query(&r, 0x20) & I8042_CTR_KBD_DISABLE, ==, 0);
    /* F4 empties the keyboard's buffer before its ACK. */
    command(&r, I8042_CMD_KBD_DISABLE);
    key(&r, 0x1c, true);
    write_data(&r, PS2_KBD_CMD_ENABLE);
    EXPECT_KBD(&r, 0xfa);
    rig_destroy(&r);
}

static void test_scancodes_set2(void)
{
    Rig r;
    rig_init(&r);
    command_data(&r, 0x60, 0x00);
    key(&r, 0x1c, true); /* A */
    key(&r, 0x1c, false);
    EXPECT_KBD(&r, 0x1c, 0xf0, 0x1c);
    key(&r, 0xe014, true); /* right Ctrl */
    key(&r, 0xe014, false);
    EXPECT_KBD(&r, 0xe0, 0x14, 0xe0, 0xf0, 0x14);
    key(&r, PS2_KEY_PRINT_SCREEN, true);
    key(&r, PS2_KEY_PRINT_SCREEN, false);
    EXPECT_KBD(&r, 0xe0, 0x12, 0xe0, 0x7c, 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12);
    key(&r, PS2_KEY_PAUSE, true);
    key(&r, PS2_KEY_PAUSE, false);
    EXPECT_KBD(&r, 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77);
    /* Not a key code: ignored. */
    key(&r, 0x1234, true);
    key(&r, 0x0000, true);
    expect_empty(&r);
    rig_destroy(&r);
}

/* The same keys through the controller's translation, and from a keyboard in
 * set 1: both give the PC/XT codes. */
static void check_set1_keys(Rig *r)
{
    key(r, 0x1c, true);
    key(r, 0x1c, false);
    EXPECT_KBD(r, 0x1e, 0x9e);
    key(r, 0x76, true); /* Esc */
    key(r, 0x5a, true); /* Enter */
    key(r, 0x83, true); /* F7, the one code above 0x7F */
    key(r, 0x83, false);
    EXPECT_KBD(r, 0x01, 0x1c, 0x41, 0xc1);
    key(r, 0xe014, true);
    key(r, 0xe014, false);
    EXPECT_KBD(r, 0xe0, 0x1d, 0xe0, 0x9d);
    key(r, 0xe075, true); /* cursor up */
    EXPECT_KBD(r, 0xe0, 0x48);
    key(r, PS2_KEY_PRINT_SCREEN, true);
    key(r, PS2_KEY_PRINT_SCREEN, false);
    EXPECT_KBD(r, 0xe0, 0x2a, 0xe0, 0x37, 0xe0, 0xb7, 0xe0, 0xaa);
    key(r, PS2_KEY_PAUSE, true);
    EXPECT_KBD(r, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
}

static void test_translation(void)
{
    Rig r;
    rig_init(&r);
    command_data(&r, 0x60, I8042_CTR_TRANSLATE);
    check_set1_keys(&r);
    /* The table, spot-checked over its rows. */
    g_assert_cmphex(ps2_set2_to_set1(0x00), ==, 0xff);
    g_assert_cmphex(ps2_set2_to_set1(0x0d), ==, 0x0f);
    g_assert_cmphex(ps2_set2_to_set1(0x29), ==, 0x39);
    g_assert_cmphex(ps2_set2_to_set1(0x45), ==, 0x0b);
    g_assert_cmphex(ps2_set2_to_set1(0x66), ==, 0x0e);
    g_assert_cmphex(ps2_set2_to_set1(0x7e), ==, 0x46);
    g_assert_cmphex(ps2_set2_to_set1(0x84), ==, 0x54);
    g_assert_cmphex(ps2_set2_to_set1(0xfa), ==, 0xfa);
    rig_destroy(&r);

    rig_init(&r);
    command_data(&r, 0x60, 0x00);
    write_data(&r, PS2_KBD_CMD_SCANCODE_SET);
    write_data(&r, 0x01);
    EXPECT_KBD(&r, 0xfa, 0xfa);
    check_set1_keys(&r);
    rig_destroy(&r);
}

static void test_keyboard_overrun(void)
{
    Rig r;
    rig_init(&r);
    command_data(&r, 0x60, I8042_CTR_KBD_DISABLE);
    /* 16 bytes fit; the 17th place takes the overrun code, later keys are lost. */
    for (uint16_t code = 0x10; code < 0x10 + 20; code++)
        key(&r, code, true);
    expect_empty(&r);
    command(&r, I8042_CMD_KBD_ENABLE);
    for (uint8_t code = 0x10; code < 0x10 + 16; code++)
        expect_byte(&r, code, false);
    EXPECT_KBD(&r, 0x00);
    /* A key that does not fit whole is not split. */
    command(&r, I8042_CMD_KBD_DISABLE);
    for (uint16_t code = 0x10; code < 0x10 + 15; code++)
        key(&r, code, true);
    key(&r, 0xe014, true);
    key(&r, 0x11, true);
    command(&r, I8042_CMD_KBD_ENABLE);
    for (uint8_t code = 0x10; code < 0x10 + 15; code++)
        expect_byte(&r, code, false);
    EXPECT_KBD(&r, 0x00);
    /* Translated, the overrun code is the set-1 one. */
    command_data(&r, 0x60, I8042_CTR_KBD_DISABLE | I8042_CTR_TRANSLATE);
    for (uint16_t code = 0x1c; code < 0x1c + 17; code++)
        key(&r, code, true);
    command(&r, I8042_CMD_KBD_ENABLE);
    for (uint8_t code = 0x1c; code < 0x1c + 16; code++)
        expect_byte(&r, ps2_set2_to_set1(code), false);
    EXPECT_KBD(&r, 0xff);
    rig_destroy(&r);
}

static void test_irq_levels(void)
{
    Rig r;
    rig_init(&r);
    command_data(&r, 0x60, I8042_CTR_KBD_INT | I8042_CTR_AUX_INT);
    key(&r, 0x1c, true);
    key(&r, 0x1c, false);
    g_assert_cmpint(r.irq1.level, ==, 1);
    g_assert_cmpuint(r.irq1.raises, ==, 1);
    /* Each read drops the line; the next byte raises it again: a new edge. */
    g_assert_cmphex(read_data(&r), ==, 0x1c);
    g_assert_cmpint(r.irq1.level, ==, 1);
    g_assert_cmpuint(r.irq1.raises, ==, 2);
    g_assert_cmphex(read_data(&r), ==, 0xf0);
    g_assert_cmphex(read_data(&r), ==, 0x1c);
    g_assert_cmpint(r.irq1.level, ==, 0);
    g_assert_cmpuint(r.irq1.raises, ==, 3);
    /* An empty buffer reads the last byte again, and nothing changes. */
    g_assert_cmphex(read_data(&r), ==, 0x1c);
    g_assert_cmpint(r.irq1.level, ==, 0);
    /* Interrupt disabled: the byte still comes, without IRQ 1. */
    command_data(&r, 0x60, I8042_CTR_AUX_INT);
    key(&r, 0x1c, true);
    g_assert_cmpint(r.irq1.level, ==, 0);
    g_assert_cmphex(status(&r) & I8042_STATUS_OBF, ==, I8042_STATUS_OBF);
    /* Enabling the interrupt with the byte waiting raises the line. */
    command_data(&r, 0x60, I8042_CTR_KBD_INT | I8042_CTR_AUX_INT);
    g_assert_cmpint(r.irq1.level, ==, 1);
    EXPECT_KBD(&r, 0x1c);
    g_assert_cmpint(r.irq1.level, ==, 0);
    /* Mouse bytes: IRQ 12, never IRQ 1. */
    aux_send(&r, PS2_MOUSE_CMD_GET_ID);
    g_assert_cmpint(r.irq12.level, ==, 1);
    g_assert_cmpint(r.irq1.level, ==, 0);
    EXPECT_AUX(&r, 0xfa, 0x00);
    g_assert_cmpint(r.irq12.level, ==, 0);
    g_assert_cmpuint(r.irq12.raises, ==, 2);
    /* A disabled interface holds its device's bytes back until enabled. */
    aux_send(&r, PS2_MOUSE_CMD_ENABLE);
    EXPECT_AUX(&r, 0xfa);
    command(&r, I8042_CMD_AUX_DISABLE);
    command(&r, I8042_CMD_KBD_DISABLE);
    ps2_mouse_move(r.s->mouse, 1, 0, 0, 0);
    key(&r, 0x1c, true);
    expect_empty(&r);
    g_assert_cmpint(r.irq12.level, ==, 0);
    command(&r, I8042_CMD_AUX_ENABLE);
    g_assert_cmpint(r.irq12.level, ==, 1);
    /* The keyboard, enabled while the mouse packet is in the buffer, waits
     * for the buffer; then it goes first. */
    command(&r, I8042_CMD_KBD_ENABLE);
    expect_byte(&r, 0x08, true);
    g_assert_cmpint(r.irq1.level, ==, 1);
    g_assert_cmpint(r.irq12.level, ==, 0);
    expect_byte(&r, 0x1c, false);
    EXPECT_AUX(&r, 0x01, 0x00);
    g_assert_cmpint(r.irq1.level, ==, 0);
    rig_destroy(&r);
}

/* Linux's psmouse probe: GETID, reset (ACK, AA, 00), status request. */
static void test_mouse_commands(void)
{
    Rig r;
    rig_init(&r);
    aux_send(&r, PS2_MOUSE_CMD_GET_ID);
    EXPECT_AUX(&r, 0xfa, 0x00);
    aux_send(&r, PS2_MOUSE_CMD_RESET);
    EXPECT_AUX(&r, 0xfa, 0xaa, 0x00);
    /* Defaults: stream mode, disabled, 1:1, 4 counts/mm, 100 samples/s. */
    aux_send(&r, PS2_MOUSE_CMD_STATUS);
    EXPECT_AUX(&r, 0xfa, 0x00, 0x02, 0x64);
    aux_send(&r, PS2_MOUSE_CMD_SET_RESOLUTION);
    aux_send(&r, 0x03);
    aux_send(&r, PS2_MOUSE_CMD_SET_SAMPLE_RATE);
    aux_send(&r, 40);
    aux_send(&r, PS2_MOUSE_CMD_SCALING_2_1);
    aux_send(&r, PS2_MOUSE_CMD_REMOTE_MODE);
    aux_send(&r, PS2_MOUSE_CMD_ENABLE);
    EXPECT_AUX(&r, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
    ps2_mouse_move(r.s->mouse, 0, 0, 0, PS2_MOUSE_BUTTON_LEFT | PS2_MOUSE_BUTTON_RIGHT);
    aux_send(&r, PS2_MOUSE_CMD_STATUS);
    EXPECT_AUX(&r, 0xfa, 0x75, 0x03, 40);
    /* A resolution that does not exist is asked for again. */
    aux_send(&r, PS2_MOUSE_CMD_SET_RESOLUTION);
    aux_send(&r, 0x04);
    aux_send(&r, 0x01);
    EXPECT_AUX(&r, 0xfa, 0xfe, 0xfa);
    /* F6: defaults, but the buttons are still held. */
    aux_send(&r, PS2_MOUSE_CMD_DEFAULTS);
    aux_send(&r, PS2_MOUSE_CMD_STATUS);
    EXPECT_AUX(&r, 0xfa, 0xfa, 0x05, 0x02, 0x64);
    /* Unknown command. */
    aux_send(&r, 0x01);
    EXPECT_AUX(&r, 0xfe);
    /* Wrap mode echoes everything but EC and FF. */
    aux_send(&r, PS2_MOUSE_CMD_SET_WRAP);
    aux_send(&r, 0x12);
    aux_send(&r, PS2_MOUSE_CMD_GET_ID);
    aux_send(&r, PS2_MOUSE_CMD_RESET_WRAP);
    aux_send(&r, PS2_MOUSE_CMD_GET_ID);
    EXPECT_AUX(&r, 0xfa, 0x12, 0xf2, 0xfa, 0xfa, 0x00);
    /* Resend: the last reply again. */
    aux_send(&r, PS2_MOUSE_CMD_RESEND);
    EXPECT_AUX(&r, 0xfa, 0x00);
    g_assert_cmpint(r.irq1.level, ==, 0);
    rig_destroy(&r);
}

/* psmouse's intellimouse_detect: sample rates 200, 100, 80, then GETID. */
static void test_intellimouse(void)
{
    Rig r;
    rig_init(&r);
    command_data(&r, 0x60, I8042_CTR_AUX_INT);
    static const uint8_t rates[3] = {200, 100, 80};
    for (int i = 0; i < 3; i++) {
        aux_send(&r, PS2_MOUSE_CMD_SET_SAMPLE_RATE);
        aux_send(&r, rates[i]);
        EXPECT_AUX(&r, 0xfa, 0xfa);
    }
    aux_send(&r, PS2_MOUSE_CMD_GET_ID);
    EXPECT_AUX(&r, 0xfa, 0x03);
    /* Four-byte packets now: Z toward the user positive, up to 7 per packet. */
    aux_send(&r, PS2_MOUSE_CMD_ENABLE);
    EXPECT_AUX(&r, 0xfa);
    ps2_mouse_move(r.s->mouse, 0, 0, 1, 0);
    EXPECT_AUX(&r, 0x08, 0x00, 0x00, 0x01);
    ps2_mouse_move(r.s->mouse, 0, 0, -10, 0);
    EXPECT_AUX(&r, 0x08, 0x00, 0x00, 0xf8, 0x08, 0x00, 0x00, 0xfe);
    /* A reset makes it a plain mouse again. */
    aux_send(&r, PS2_MOUSE_CMD_RESET);
    EXPECT_AUX(&r, 0xfa, 0xaa, 0x00);
    aux_send(&r, PS2_MOUSE_CMD_GET_ID);
    EXPECT_AUX(&r, 0xfa, 0x00);
    /* Another order of rates is no knock. */
    static const uint8_t other[3] = {200, 200, 80};
    for (int i = 0; i < 3; i++) {
        aux_send(&r, PS2_MOUSE_CMD_SET_SAMPLE_RATE);
        aux_send(&r, other[i]);
    }
    aux_send(&r, PS2_MOUSE_CMD_GET_ID);
    EXPECT_AUX(&r, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x00);
    rig_destroy(&r);
}

static void test_mouse_packets(void)
{
    Rig r;
    rig_init(&r);
    command_data(&r, 0x60, I8042_CTR_AUX_INT);
    PS2Mouse *m = r.s->mouse;
    /* Reporting disabled: nothing. */
    ps2_mouse_move(m, 5, 5, 0, 0);
    expect_empty(&r);
    aux_send(&r, PS2_MOUSE_CMD_ENABLE);
    EXPECT_AUX(&r, 0xfa);
    /* Right 10, down 5 (PS/2 Y -5), left button. */
    ps2_mouse_move(m, 10, 5, 0, PS2_MOUSE_BUTTON_LEFT);
    g_assert_cmpint(r.irq12.level, ==, 1);
    EXPECT_AUX(&r, 0x29, 0x0a, 0xfb);
    /* Left 256 and up 255: the ends of the 9-bit range, no overflow. */
    ps2_mouse_move(m, -256, -255, 0, 0);
    EXPECT_AUX(&r, 0x18, 0x00, 0xff);
    /* A button change alone is a packet; no change and no movement is none. */
    ps2_mouse_move(m, 0, 0, 0, PS2_MOUSE_BUTTON_MIDDLE);
    ps2_mouse_move(m, 0, 0, 0, PS2_MOUSE_BUTTON_MIDDLE);
    EXPECT_AUX(&r, 0x0c, 0x00, 0x00);
    /* A standard mouse has no wheel: Z alone sends nothing. */
    ps2_mouse_move(m, 0, 0, 3, PS2_MOUSE_BUTTON_MIDDLE);
    expect_empty(&r);
    /* 600 right: split into packets that fit, none flagged as overflow. */
    ps2_mouse_move(m, 600, 0, 0, 0);
    EXPECT_AUX(&r, 0x08, 0xff, 0x00, 0x08, 0xff, 0x00, 0x08, 0x5a, 0x00);
    /* More than the buffer holds waits in the counters and follows reads. */
    ps2_mouse_move(m, 255 * 7, 0, 0, 0);
    for (int i = 0; i < 7; i++) {
        expect_byte(&r, 0x08, true);
        expect_byte(&r, 0xff, true);
        expect_byte(&r, 0x00, true);
    }
    expect_empty(&r);
    /* 2:1 scaling in stream mode: 1, 2, 3, 4, 5 -> 1, 1, 3, 6, 9; 6+ doubles. */
    aux_send(&r, PS2_MOUSE_CMD_SCALING_2_1);
    EXPECT_AUX(&r, 0xfa);
    static const int in[6] = {1, 2, 3, 4, 5, 40};
    static const uint8_t out[6] = {1, 1, 3, 6, 9, 80};
    for (int i = 0; i < 6; i++) {
        ps2_mouse_move(m, in[i], 0, 0, 0);
        expect_byte(&r, 0x08, true);
        expect_byte(&r, out[i], true);
        expect_byte(&r, 0x00, true);
    }
    aux_send(&r, PS2_MOUSE_CMD_SCALING_1_1);
    EXPECT_AUX(&r, 0xfa);
    /* A command drops the packet bytes still in the mouse: after the one
     * already in the controller's buffer, the reply comes next. */
    ps2_mouse_move(m, 1, 0, 0, 0);
    aux_send(&r, PS2_MOUSE_CMD_GET_ID);
    EXPECT_AUX(&r, 0x08, 0xfa, 0x00);
    rig_destroy(&r);
}

/* Remote mode: no stream; EB reads the counters, with overflow bits. */
static void test_mouse_remote(void)
{
    Rig r;
    rig_init(&r);
    PS2Mouse *m = r.s->mouse;
    aux_send(&r, PS2_MOUSE_CMD_REMOTE_MODE);
    EXPECT_AUX(&r, 0xfa);
    ps2_mouse_move(m, 100, 0, 0, 0);
    ps2_mouse_move(m, 200, -300, 0, PS2_MOUSE_BUTTON_RIGHT);
    expect_empty(&r);
    aux_send(&r, PS2_MOUSE_CMD_READ_DATA);
    EXPECT_AUX(&r, 0xfa, 0xca, 0xff, 0xff);
    /* The counters restarted. */
    aux_send(&r, PS2_MOUSE_CMD_READ_DATA);
    EXPECT_AUX(&r, 0xfa, 0x0a, 0x00, 0x00);
    ps2_mouse_move(m, -3, -400, 0, 0);
    aux_send(&r, PS2_MOUSE_CMD_READ_DATA);
    EXPECT_AUX(&r, 0xfa, 0x98, 0xfd, 0xff);
    /* Resend: the last packet, with its ACK. */
    aux_send(&r, PS2_MOUSE_CMD_RESEND);
    EXPECT_AUX(&r, 0xfa, 0x98, 0xfd, 0xff);
    /* Back to stream mode. */
    aux_send(&r, PS2_MOUSE_CMD_STREAM_MODE);
    aux_send(&r, PS2_MOUSE_CMD_ENABLE);
    EXPECT_AUX(&r, 0xfa, 0xfa);
    ps2_mouse_move(m, 1, 0, 0, 0);
    EXPECT_AUX(&r, 0x08, 0x01, 0x00);
    rig_destroy(&r);
}

/* Saved state carries everything guest-visible: bytes in the buffers and the
 * devices' modes come back after a reset. */
static void save_state(DeviceState *dev, GByteArray *out)
{
    size_t len = vmstate_size(dev->fields);
    g_assert_cmpuint(len, >, 0);
    g_byte_array_set_size(out, (guint)len);
    g_assert_cmpuint(vmstate_save(dev, out->data, len), ==, len);
}

static void test_vmstate_round_trip(void)
{
    Rig r;
    rig_init(&r);
    DeviceState *devs[3] = {&r.s->dev, &r.s->kbd->dev, &r.s->mouse->dev};
    GByteArray *saved[3];
    command_data(&r, 0x60, I8042_CTR_TRANSLATE | I8042_CTR_KBD_DISABLE);
    command_data(&r, 0x7e, 0x42);
    command_data(&r, I8042_CMD_WRITE_OUTPUT, 0xcd);
    key(&r, 0x1c, true);
    static const uint8_t knock[6] = {0xf3, 200, 0xf3, 100, 0xf3, 80};
    for (int i = 0; i < 6; i++)
        aux_send(&r, knock[i]);
    EXPECT_AUX(&r, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
    aux_send(&r, PS2_MOUSE_CMD_REMOTE_MODE);
    ps2_mouse_move(r.s->mouse, 7, 0, 0, 0);
    /* The mouse ACK sits in the output buffer, the key in the keyboard. */
    for (int i = 0; i < 3; i++) {
        saved[i] = g_byte_array_new();
        save_state(devs[i], saved[i]);
        devs[i]->reset(devs[i]);
    }
    expect_empty(&r);
    for (int i = 0; i < 3; i++) {
        g_assert_cmpint(vmstate_load(devs[i], saved[i]->data, saved[i]->len), ==, 0);
        g_byte_array_free(saved[i], TRUE);
    }
    g_assert_false(i8042_a20_enabled(r.s));
    EXPECT_AUX(&r, 0xfa);
    g_assert_cmphex(query(&r, 0x3e), ==, 0x42);
    g_assert_cmphex(query(&r, 0x20), ==, I8042_CTR_TRANSLATE | I8042_CTR_KBD_DISABLE);
    command(&r, I8042_CMD_KBD_ENABLE);
    EXPECT_KBD(&r, 0x1e);
    aux_send(&r, PS2_MOUSE_CMD_READ_DATA);
    EXPECT_AUX(&r, 0xfa, 0x08, 0x07, 0x00, 0x00);
    rig_destroy(&r);
}

static void test_free_unregisters_ports(void)
{
    Rig r;
    rig_init(&r);
    i8042_free(r.s);
    r.s = NULL;
    g_assert_cmphex(address_space_read(&r.io, 0x60, 1), ==, 0xff);
    g_assert_cmphex(address_space_read(&r.io, 0x64, 1), ==, 0xff);
    address_space_destroy(&r.io);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8042/self-test", test_self_test);
    g_test_add_func("/i8042/command-byte", test_command_byte);
    g_test_add_func("/i8042/output-port-and-a20", test_output_port_and_a20);
    g_test_add_func("/i8042/pulse-reset", test_pulse_reset);
    g_test_add_func("/i8042/seabios-keyboard-setup", test_seabios_keyboard_setup);
    g_test_add_func("/i8042/linux-probe", test_linux_probe);
    g_test_add_func("/i8042/keyboard-commands", test_keyboard_commands);
    g_test_add_func("/i8042/scancodes-set2", test_scancodes_set2);
    g_test_add_func("/i8042/translation", test_translation);
    g_test_add_func("/i8042/keyboard-overrun", test_keyboard_overrun);
    g_test_add_func("/i8042/irq-levels", test_irq_levels);
    g_test_add_func("/i8042/mouse-commands", test_mouse_commands);
    g_test_add_func("/i8042/intellimouse", test_intellimouse);
    g_test_add_func("/i8042/mouse-packets", test_mouse_packets);
    g_test_add_func("/i8042/mouse-remote", test_mouse_remote);
    g_test_add_func("/i8042/vmstate-round-trip", test_vmstate_round_trip);
    g_test_add_func("/i8042/free-unregisters-ports", test_free_unregisters_ports);
    return g_test_run();
}
