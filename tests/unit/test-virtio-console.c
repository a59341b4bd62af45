/* virtio-console with MULTIPORT and one console port (virtio 1.1 §5.3), driven as
 * Linux's virtio_console does: the control handshake (DEVICE_READY, DEVICE_ADD,
 * PORT_READY, CONSOLE_PORT, PORT_OPEN), guest output to a file backend, host input
 * through a listening Unix socket backend, emergency writes, bad control messages,
 * and a device without a port. */
#include "virtio-test-driver.h"

#include <glib/gstdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hw/virtio_console.h"

#define CTRL_BUFS 0x300000 /* control receive buffers, 16 bytes apart */
#define OUT_BUF   0x310000
#define RX_BUF    0x320000

typedef struct Fixture {
    VtMachine m;
    VirtioSerialPci *dev;
    char *dir, *out_path, *sock_path;
    Chardev *out, *sock;
    unsigned ctrl_seen; /* control messages consumed so far */
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
    bool with_port = data == NULL;
    vt_machine_init(&f->m);
    VirtioPciConfig pc = vt_pci_config(&f->m, false);
    f->dev = virtio_serial_pci_new(f->m.bus, VT_DEVFN, &f->m.mem, &f->m.log, &pc);
    f->dev->pci.pci.dev.reset(&f->dev->pci.pci.dev);
    vt_enumerate(&f->m);
    f->dir = g_dir_make_tmp("pacifica-vcon-XXXXXX", NULL);
    f->out_path = g_build_filename(f->dir, "out", NULL);
    f->sock_path = g_build_filename(f->dir, "sock", NULL);
    char spec[512], err[256];
    snprintf(spec, sizeof(spec), "file:%s", f->out_path);
    f->out = chardev_open(spec, err, sizeof(err));
    g_assert_nonnull(f->out);
    if (with_port)
        virtio_console_attach(&f->dev->con, f->out);
    f->ctrl_seen = 0;
}

static void teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    virtio_serial_pci_free(f->dev);
    chardev_close(f->out);
    if (f->sock)
        chardev_close(f->sock);
    g_unlink(f->out_path);
    g_rmdir(f->dir);
    g_free(f->out_path);
    g_free(f->sock_path);
    g_free(f->dir);
    vt_machine_destroy(&f->m);
}

static char *output(Fixture *f)
{
    char *text = NULL;
    g_assert_true(g_file_get_contents(f->out_path, &text, NULL, NULL));
    return text;
}

/* The driver sends one control message (§5.3.6.2) on the control transmit queue. */
static void send_ctrl(Fixture *f, uint32_t id, uint16_t event, uint16_t value)
{
    static unsigned slot;
    uint64_t addr = 0x380000 + 16 * (slot++ % 256);
    uint8_t *p = f->m.ram + addr;
    vt_put32(p, id);
    vt_put16(p + 4, event);
    vt_put16(p + 6, value);
    vt_add_chain(&f->m, VIRTIO_CONSOLE_CTRL_TX, &(VtBuf){addr, 8, false}, 1);
    vt_kick(&f->m, VIRTIO_CONSOLE_CTRL_TX);
}

/* The next control message from the device: false if none came. */
static bool take_ctrl(Fixture *f, uint32_t *id, uint16_t *event, uint16_t *value)
{
    uint32_t head, len;
    if (!vt_take_used(&f->m, VIRTIO_CONSOLE_CTRL_RX, &head, &len))
        return false;
    g_assert_cmpuint(len, ==, 8);
    const uint8_t *p = f->m.ram + CTRL_BUFS + 16 * head;
    *id = vt_get32(p);
    *event = vt_get16(p + 4);
    *value = vt_get16(p + 6);
    f->ctrl_seen++;
    return true;
}

static void expect_ctrl(Fixture *f, uint16_t event, uint16_t value)
{
    uint32_t id;
    uint16_t e, v;
    g_assert_true(take_ctrl(f, &id, &e, &v));
    g_assert_cmpuint(id, ==, 0);
    g_assert_cmpuint(e, ==, event);
    g_assert_cmpuint(v, ==, value);
}

/* Linux's probe: MULTIPORT, four queues, control receive buffers, DEVICE_READY. */
static void driver_probe(Fixture *f)
{
    uint64_t feat = vt_modern_init(&f->m, 1ull << VIRTIO_CONSOLE_F_MULTIPORT, 4, 16);
    g_assert_true(feat & (1ull << VIRTIO_CONSOLE_F_MULTIPORT));
    /* One 16-byte slot per descriptor so that the head says where the message is. */
    for (unsigned i = 0; i < 8; i++)
        vt_add_chain(&f->m, VIRTIO_CONSOLE_CTRL_RX, &(VtBuf){CTRL_BUFS + 16 * i, 16, true}, 1);
    vt_kick(&f->m, VIRTIO_CONSOLE_CTRL_RX);
    send_ctrl(f, 0xffffffff, VIRTIO_CONSOLE_DEVICE_READY, 1);
}

static void test_config(Fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_cmpuint(vt_cfg_read(&f->m, PCI_DEVICE_ID, 2), ==, 0x1043);
    uint64_t dev_cfg =
        VT_MODERN_BASE + vt_cfg_read(&f->m, f->m.caps[VIRTIO_PCI_CAP_DEVICE_CFG] + 8, 4);
    g_assert_cmpuint(address_space_read(&f->m.mem, dev_cfg + 4, 4), ==, 1); /* max_nr_ports */
    g_assert_cmpuint(vt_common_rd(&f->m, VIRTIO_PCI_COMMON_NUMQ, 2), ==, 4);
    /* emerg_wr (§5.3.6.1) works before any driver. */
    address_space_write(&f->m.mem, dev_cfg + 8, 'Z', 4);
    char *text = output(f);
    g_assert_cmpstr(text, ==, "Z");
    g_free(text);
}

static void test_handshake_and_output(Fixture *f, gconstpointer data)
{
    (void)data;
    driver_probe(f);
    expect_ctrl(f, VIRTIO_CONSOLE_DEVICE_ADD, 1);
    send_ctrl(f, 0, VIRTIO_CONSOLE_PORT_READY, 1);
    expect_ctrl(f, VIRTIO_CONSOLE_CONSOLE_PORT, 1);
    expect_ctrl(f, VIRTIO_CONSOLE_PORT_OPEN, 1);
    uint32_t id;
    uint16_t e, v;
    g_assert_false(take_ctrl(f, &id, &e, &v));
    send_ctrl(f, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
    g_assert_true(f->dev->con.guest_open);
    /* hvc output: two buffers in one chain. */
    memcpy(f->m.ram + OUT_BUF, "hello ", 6);
    memcpy(f->m.ram + OUT_BUF + 0x100, "console\n", 8);
    VtBuf chain[2] = {{OUT_BUF, 6, false}, {OUT_BUF + 0x100, 8, false}};
    vt_add_chain(&f->m, VIRTIO_CONSOLE_PORT0_TX, chain, 2);
    vt_kick(&f->m, VIRTIO_CONSOLE_PORT0_TX);
    uint32_t head, len;
    g_assert_true(vt_take_used(&f->m, VIRTIO_CONSOLE_PORT0_TX, &head, &len));
    char *text = output(f);
    g_assert_cmpstr(text, ==, "hello console\n");
    g_free(text);
    /* Messages for ports that do not exist are logged, not fatal. */
    send_ctrl(f, 5, VIRTIO_CONSOLE_PORT_READY, 1);
    g_assert_true(vt_logged(&f->m, "port 5, which does not exist"));
    g_assert_false(vt_status(&f->m) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

/* Control messages wait for receive buffers the driver has not given yet. */
static void test_ctrl_waits_for_buffers(Fixture *f, gconstpointer data)
{
    (void)data;
    vt_modern_init(&f->m, 1ull << VIRTIO_CONSOLE_F_MULTIPORT, 4, 16);
    send_ctrl(f, 0, VIRTIO_CONSOLE_DEVICE_READY, 1);
    g_assert_cmpuint(vt_used_idx(&f->m, VIRTIO_CONSOLE_CTRL_RX), ==, 0);
    vt_add_chain(&f->m, VIRTIO_CONSOLE_CTRL_RX, &(VtBuf){CTRL_BUFS, 16, true}, 1);
    vt_kick(&f->m, VIRTIO_CONSOLE_CTRL_RX);
    expect_ctrl(f, VIRTIO_CONSOLE_DEVICE_ADD, 1);
}

static int connect_unix(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    return fd;
}

/* Host input through a listening socket: accepted on the first poll, then read into
 * port 0's receive buffer; output goes back to the client. */
static void test_socket_input(Fixture *f, gconstpointer data)
{
    (void)data;
    char spec[512], err[256];
    snprintf(spec, sizeof(spec), "unix:%s,server=on,wait=off", f->sock_path);
    f->sock = chardev_open(spec, err, sizeof(err));
    g_assert_nonnull(f->sock);
    virtio_console_attach(&f->dev->con, f->sock);
    int client = connect_unix(f->sock_path);
    g_assert_true(chardev_handle_input(f->sock)); /* accepts */
    driver_probe(f);
    expect_ctrl(f, VIRTIO_CONSOLE_DEVICE_ADD, 1);
    /* Before PORT_READY the device takes no input. */
    g_assert_cmpint(write(client, "ping\n", 5), ==, 5);
    vt_add_chain(&f->m, VIRTIO_CONSOLE_PORT0_RX, &(VtBuf){RX_BUF, 64, true}, 1);
    vt_kick(&f->m, VIRTIO_CONSOLE_PORT0_RX);
    g_assert_true(chardev_handle_input(f->sock));
    g_assert_cmpuint(vt_used_idx(&f->m, VIRTIO_CONSOLE_PORT0_RX), ==, 0);
    send_ctrl(f, 0, VIRTIO_CONSOLE_PORT_READY, 1);
    g_assert_true(chardev_handle_input(f->sock));
    uint32_t head, len;
    g_assert_true(vt_take_used(&f->m, VIRTIO_CONSOLE_PORT0_RX, &head, &len));
    g_assert_cmpuint(len, ==, 5);
    g_assert_cmpmem(f->m.ram + RX_BUF, 5, "ping\n", 5);
    /* Guest output reaches the client. */
    memcpy(f->m.ram + OUT_BUF, "pong\n", 5);
    vt_add_chain(&f->m, VIRTIO_CONSOLE_PORT0_TX, &(VtBuf){OUT_BUF, 5, false}, 1);
    vt_kick(&f->m, VIRTIO_CONSOLE_PORT0_TX);
    char buf[8] = {0};
    g_assert_cmpint(read(client, buf, sizeof(buf)), ==, 5);
    g_assert_cmpstr(buf, ==, "pong\n");
    /* The client leaves; a new one can connect. */
    close(client);
    g_assert_true(chardev_handle_input(f->sock));
    client = connect_unix(f->sock_path);
    g_assert_true(chardev_handle_input(f->sock));
    close(client);
}

static void test_no_port(Fixture *f, gconstpointer data)
{
    (void)data;
    driver_probe(f);
    uint32_t id;
    uint16_t e, v;
    g_assert_false(take_ctrl(f, &id, &e, &v));
    /* Output on port 0's queue goes nowhere, and is still completed. */
    vt_add_chain(&f->m, VIRTIO_CONSOLE_PORT0_TX, &(VtBuf){OUT_BUF, 5, false}, 1);
    vt_kick(&f->m, VIRTIO_CONSOLE_PORT0_TX);
    uint32_t head, len;
    g_assert_true(vt_take_used(&f->m, VIRTIO_CONSOLE_PORT0_TX, &head, &len));
}

/* A reset forgets the handshake: the next driver starts over. */
static void test_reset(Fixture *f, gconstpointer data)
{
    (void)data;
    driver_probe(f);
    expect_ctrl(f, VIRTIO_CONSOLE_DEVICE_ADD, 1);
    send_ctrl(f, 0, VIRTIO_CONSOLE_PORT_READY, 1);
    g_assert_true(f->dev->con.port_ready);
    vt_set_status(&f->m, 0);
    g_assert_false(f->dev->con.port_ready);
    g_assert_cmpuint(f->dev->con.ctrl_count, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    static const int no_port = 1;
#define ADD(name, fn, d) g_test_add(name, Fixture, d, setup, fn, teardown)
    ADD("/virtio-console/config", test_config, NULL);
    ADD("/virtio-console/handshake-and-output", test_handshake_and_output, NULL);
    ADD("/virtio-console/ctrl-waits-for-buffers", test_ctrl_waits_for_buffers, NULL);
    ADD("/virtio-console/socket-input", test_socket_input, &no_port);
    ADD("/virtio-console/no-port", test_no_port, &no_port);
    ADD("/virtio-console/reset", test_reset, NULL);
    return g_test_run();
}
