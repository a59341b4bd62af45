/* The PC board (i440FX-era layout): RAM from 0, firmware at the top of the 4 GiB space
 * with its last 128 KiB also at 0xE0000-0xFFFFF, COM1/COM2, the debug-exit and
 * debug-console ports. */
#include "hw/pc.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hw/acpi_build.h"
#include "hw/apic.h"
#include "hw/debug_exit.h"
#include "hw/debugcon.h"
#include "hw/fpu_error.h"
#include "hw/fw_cfg.h"
#include "hw/i8254.h"
#include "hw/i8259.h"
#include "hw/hpet.h"
#include "hw/i440fx.h"
#include "hw/i8042.h"
#include "hw/ioapic.h"
#include "hw/linux_boot.h"
#include "hw/mc146818.h"
#include "hw/mptable.h"
#include "hw/multiboot.h"
#include "cpu/x86/msr.h"
#include "cpu/x86/tlb.h"
#include "hw/pc_virtio.h"
#include "hw/piix3.h"
#include "hw/port92.h"
#include "hw/pvh.h"
#include "hw/piix4_pm.h"
#include "hw/pc_fw_cfg.h"
#include "hw/pc_testdev.h"
#include "hw/pci_testdev.h"
#include "hw/smbios.h"
#include "hw/serial.h"
#include "hw/virtio_blk.h"
#include "hw/pc_net.h"
#include "system/chardev.h"

#define BIOS_ISA_WINDOW (128 * 1024)
#define BIOS_MAX_SIZE   (16 * 1024 * 1024)
/* RAM above this goes above 4 GiB; the hole below 4 GiB is for PCI and firmware. */
#define LOW_RAM_LIMIT   0xe0000000ull
#define DEFAULT_BIOS    "/usr/share/seabios/bios-256k.bin"
#define COM1_BASE       0x3f8
#define COM2_BASE       0x2f8
#define COM3_BASE       0x3e8
#define COM4_BASE       0x2e8
#define DEBUG_EXIT_BASE 0xf4
#define DEBUGCON_BASE   0xe9
/* virtio-blk functions take PCI slots from here on, as QEMU's pc numbers -device
 * virtio-blk-pci after its built-in functions (0:0 host bridge, 0:1 PIIX, 0:2 VGA,
 * 0:3 NIC). */
#define FIRST_DRIVE_SLOT 4

struct PCBoard {
    Machine *m;
    uint8_t *bios;
    size_t bios_size;
    SerialState *serial[MAX_SERIAL_PORTS];
    DebugExitState *debug_exit; /* the built-in one at 0xf4, unless -device gives one */
    /* isa-debug-exit devices from -device. */
    DebugExitState *user_debug_exits[MAX_DEVICES];
    unsigned nuser_debug_exits;
    DebugconState *debugcon;
    FwCfgState *fw_cfg;
    PcTestdevState *pc_testdev;                 /* -device pc-testdev */
    PciTestdevState *pci_testdevs[MAX_DEVICES]; /* -device pci-testdev */
    unsigned npci_testdevs;
    uint8_t uuid[16];  /* the machine's UUID (fw_cfg, SMBIOS type 1), random per run */
    X86BootState boot; /* where the boot CPU starts after each reset */
    PicState *pic;
    ApicBus *apics;
    IoapicState *ioapic;
    PitState *pit;
    RtcState *rtc;
    HpetState *hpet;
    I8042State *kbc;
    Port92State *port92;
    FpuErrorState *fpu_error; /* FERR# -> IRQ 13, port 0xF0 */
    /* The A20 gate is the OR of the keyboard controller's output port bit and port
     * 0x92's fast A20 bit. */
    bool kbc_a20, fast_a20;
    X86CPU *cpus[256]; /* attached at their first reset, for the A20 line */
    /* The PIT's and RTC's outputs, remembered while the HPET's legacy replacement
     * route takes IRQ 0 and 8 away from them. */
    uint8_t pit_level, rtc_level;
    bool hpet_legacy;
    PciBus *pci;
    I440fxState *host_bridge;
    Piix3State *isa_bridge;
    Piix4PmState *pm;
    /* One virtio-blk function per -drive, on a block node; requests complete through
     * aio on the main loop. */
    AioContext *aio;
    BlockNode *drive_nodes[MAX_DRIVES];
    VirtioBlkPci *drives[MAX_DRIVES];
    /* -device virtio-rng-pci, virtio-serial-pci, virtconsole (hw/pc_virtio.c). */
    PcVirtioFunctions virtio_fns;
    PcDmaWrittenHook *dma_written_hook;
    void *dma_written_opaque;
    PcNet *net; /* -netdev backends and virtio-net cards (hw/pc_net.c) */
    /* Runs last at every reset when Pacifica boots the kernel itself: what firmware
     * would have set up (PM I/O, PCI interrupt routing). */
    DeviceState firmware_setup;
    BootFiles boot_files; /* -kernel and -initrd, read once */
};

static uint8_t *read_firmware(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "pacifica: -bios %s: %s\n", path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    /* QEMU's rule (hw/i386/x86.c): a BIOS is a nonzero multiple of 64 KiB. */
    if (len <= 0 || len > BIOS_MAX_SIZE || len % 65536 != 0) {
        fprintf(stderr,
                "pacifica: -bios %s: firmware size %ld is not a multiple of 64 KiB "
                "between 64 KiB and 16 MiB\n",
                path, len);
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)len);
    rewind(f);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "pacifica: -bios %s: read error\n", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = (size_t)len;
    return buf;
}

static void map_ram(Machine *m)
{
    uint64_t low = m->ram_size < LOW_RAM_LIMIT ? m->ram_size : LOW_RAM_LIMIT;
    address_space_add_ram(&m->mem, "ram-below-4g", 0, low, m->ram, false, 0);
    if (m->ram_size > low)
        address_space_add_ram(&m->mem, "ram-above-4g", 1ull << 32, m->ram_size - low, m->ram + low,
                              false, 0);
}

static int map_firmware(PCBoard *b)
{
    Machine *m = b->m;
    const char *path = m->cfg->bios ? m->cfg->bios : DEFAULT_BIOS;
    /* A directly booted kernel needs no firmware: map the default one only if it is
     * installed. */
    if (!m->cfg->bios && m->cfg->kernel && access(path, R_OK) != 0)
        return 0;
    b->bios = read_firmware(path, &b->bios_size);
    if (!b->bios)
        return -1;
    address_space_add_ram(&m->mem, "bios", (1ull << 32) - b->bios_size, b->bios_size, b->bios, true,
                          1);
    size_t isa = b->bios_size < BIOS_ISA_WINDOW ? b->bios_size : BIOS_ISA_WINDOW;
    address_space_add_ram(&m->mem, "isa-bios", 0x100000 - isa, isa, b->bios + b->bios_size - isa,
                          true, 1);
    return 0;
}

static void debug_exit_request(void *opaque, int status)
{
    machine_request_exit(opaque, status);
}

/* An ISA interrupt line reaches both the 8259 and the I/O APIC; IRQ 0 arrives on I/O
 * APIC pin 2 (the MADT's interrupt source override, as on QEMU's pc). */
static void pc_isa_irq(void *opaque, int n, int level)
{
    PCBoard *b = opaque;
    pic_set_irq(b->pic, (unsigned)n, level);
    ioapic_set_irq(b->ioapic, n == 0 ? 2 : (unsigned)n, level);
}

static IrqLine pc_isa_line(PCBoard *b, unsigned irq)
{
    return (IrqLine){pc_isa_irq, b, (int)irq};
}

/* The PIT (IRQ 0) and RTC (IRQ 8) outputs, cut off while the HPET's legacy replacement
 * route owns those IRQs (IA-PC HPET specification §2.3.9.2.1). */
static void pc_legacy_timer_irq(void *opaque, int n, int level)
{
    PCBoard *b = opaque;
    if (n == 0)
        b->pit_level = (uint8_t)level;
    else
        b->rtc_level = (uint8_t)level;
    if (!b->hpet_legacy)
        pc_isa_irq(b, n, level);
}

static void pc_hpet_legacy_changed(void *opaque, bool on)
{
    PCBoard *b = opaque;
    b->hpet_legacy = on;
    if (on) {
        if (b->pit_level)
            pc_isa_irq(b, 0, 0);
        if (b->rtc_level)
            pc_isa_irq(b, 8, 0);
    } else {
        pc_isa_irq(b, 0, b->pit_level);
        pc_isa_irq(b, 8, b->rtc_level);
    }
}

static const uint16_t com_bases[MAX_SERIAL_PORTS] = {COM1_BASE, COM2_BASE, COM3_BASE, COM4_BASE};

static int create_serial_ports(PCBoard *b)
{
    Machine *m = b->m;
    const MachineConfig *cfg = m->cfg;
    /* Until the window exists every display choice keeps COM1 on stdio, as
     * -nographic does: shared with the text monitor (QEMU's mon:stdio, Ctrl-A c). */
    const char *defaults[1] = {cfg->daemonize ? "none" : "mon:stdio"};
    const char *const *specs = cfg->nserial ? cfg->serial : defaults;
    unsigned n = cfg->nserial ? cfg->nserial : 1;
    for (unsigned i = 0; i < n; i++) {
        if (!strcmp(specs[i], "none"))
            continue;
        Chardev *chr = machine_open_chardev(m, specs[i]);
        if (!chr)
            return -1;
        /* COM1 and COM3 share IRQ 4, COM2 and COM4 IRQ 3 (PC/AT wiring). */
        b->serial[i] =
            serial_new(&m->io, com_bases[i], pc_isa_line(b, i % 2 ? 3 : 4), chr, &m->log);
        machine_register_device(m, &b->serial[i]->dev);
    }
    return 0;
}

static void pc_firmware_setup(DeviceState *dev);
static void pc_dma_written(void *opaque, uint64_t gpa, uint64_t len);

/* The CPU's view of its local APIC. */
static bool pc_lapic_mmio_match(void *apic, uint64_t phys)
{
    ApicState *s = apic;
    return apic_mmio_enabled(s) && (phys & ~0xfffull) == apic_mmio_base(s);
}

static uint32_t pc_lapic_mmio_read(void *apic, uint32_t offset)
{
    return apic_mmio_read(apic, offset);
}

static void pc_lapic_mmio_write(void *apic, uint32_t offset, uint32_t val)
{
    apic_mmio_write(apic, offset, val);
}

static bool pc_lapic_msr_read(void *apic, uint32_t msr, uint64_t *val)
{
    return apic_msr_read(apic, msr, val);
}

static bool pc_lapic_msr_write(void *apic, uint32_t msr, uint64_t val)
{
    return apic_msr_write(apic, msr, val);
}

static bool pc_lapic_set_base(void *apic, uint64_t val)
{
    return apic_set_base(apic, val);
}

static const X86LocalApicOps pc_lapic_ops = {
    pc_lapic_mmio_match, pc_lapic_mmio_read, pc_lapic_mmio_write,
    pc_lapic_msr_read,   pc_lapic_msr_write, pc_lapic_set_base,
};

/* After every CPU reset: attach the CPU's local APIC, and start the boot CPU where a
 * direct-boot loader put the kernel. */
static void pc_cpu_reset_hook(void *opaque, int cpu_index, void *cpu_env)
{
    PCBoard *b = opaque;
    CPUX86State *env = cpu_env;
    X86CPU *cpu = env->cpu;
    if ((unsigned)cpu_index < b->apics->count) {
        cpu->apic_ops = &pc_lapic_ops;
        cpu->apic = b->apics->apics[cpu_index];
        b->cpus[cpu_index] = cpu;
    }
    if (cpu_index == 0)
        x86_apply_boot_state(cpu_env, &b->boot);
}

#define ACPI_AREA_SIZE 0x10000 /* firmware tables at the top of the RAM below 4 GiB */
#define EBDA_BASE      0x9f000 /* 4 KiB extended BIOS data area: the MP table */

/* The PC's physical memory map as firmware reports it (e820): conventional memory,
 * the EBDA and BIOS areas reserved, RAM from 1 MiB to the ACPI tables at the top of the
 * RAM below the PCI hole, RAM above 4 GiB. */
static unsigned pc_e820_table(const Machine *m, E820Entry *e, unsigned max)
{
    uint64_t low = m->ram_size < LOW_RAM_LIMIT ? m->ram_size : LOW_RAM_LIMIT;
    E820Entry all[] = {
        {0, EBDA_BASE, E820_RAM},
        {EBDA_BASE, 0xa0000 - EBDA_BASE, E820_RESERVED},
        {0xf0000, 0x10000, E820_RESERVED},
        {0x100000, low - 0x100000 - ACPI_AREA_SIZE, E820_RAM},
        {low - ACPI_AREA_SIZE, ACPI_AREA_SIZE, E820_ACPI},
        {1ull << 32, m->ram_size - low, E820_RAM},
    };
    unsigned n = 0;
    for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]) && n < max; i++)
        if (all[i].size && all[i].addr + all[i].size > all[i].addr)
            e[n++] = all[i];
    return n;
}

/* The MP table (for acpi=off) in the EBDA, where Linux looks for it. */
static void pc_build_mptable(PCBoard *b)
{
    Machine *m = b->m;
    MpTableInfo mp = {.ncpus = m->cfg->smp,
                      .lapic_addr = APIC_DEFAULT_BASE,
                      .ioapic_id = 0,
                      .ioapic_addr = IOAPIC_DEFAULT_BASE};
    if (!mptable_build(&mp, m->ram + EBDA_BASE, 0xa0000 - EBDA_BASE, EBDA_BASE))
        log_printf(&m->log, LOG_GUEST_ERROR, "pc: the MP table does not fit in the EBDA\n");
}

/* What the ACPI tables describe: this board. */
static void pc_acpi_info(const PCBoard *b, AcpiBoardInfo *out)
{
    const Machine *m = b->m;
    AcpiBoardInfo info = {
        .ncpus = m->cfg->smp,
        .lapic_addr = APIC_DEFAULT_BASE,
        .have_ioapic = true,
        .ioapic_addr = IOAPIC_DEFAULT_BASE,
        .ioapic_id = 0,
        .have_hpet = true,
        .hpet_addr = HPET_DEFAULT_BASE,
        .have_fw_cfg = true,
        .pm_base = PIIX4_PM_DEFAULT_BASE,
        .sci_irq = 9,
        .smi_cmd = PIIX4_APM_CNT_PORT,
        .acpi_enable = ACPI_ENABLE_CMD,
        .acpi_disable = ACPI_DISABLE_CMD,
        .pirq_isa_irq = {10, 10, 11, 11},
        .pirq_gsi_base = 16,
        .pci_mmio_start = (uint32_t)LOW_RAM_LIMIT, /* the PCI hole: 0xE0000000 up */
        .pci_mmio_end = 0xfebfffff,
    };
    *out = info;
}

/* The ACPI tables of this board at guest address at (RAM); returns the RSDP's address. */
static uint64_t pc_build_acpi(PCBoard *b, uint64_t at)
{
    Machine *m = b->m;
    AcpiBoardInfo info;
    pc_acpi_info(b, &info);
    uint64_t rsdp = 0;
    if (!acpi_build_tables(&info, m->ram + at, ACPI_AREA_SIZE, at, &rsdp))
        return 0;
    return rsdp;
}

/* ---- fw_cfg and SMBIOS ---- */

#define SMBIOS_FSEG_BASE 0xf0000 /* where Linux's dmi_scan looks without EFI */

/* What firmware tables describe; e820 (8 entries) and acpi are the caller's. */
static void pc_firmware_info(PCBoard *b, PcFirmwareInfo *info, E820Entry *e820,
                             AcpiBoardInfo *acpi)
{
    const Machine *m = b->m;
    pc_acpi_info(b, acpi);
    *info = (PcFirmwareInfo){
        .cfg = m->cfg,
        .ram_size = m->ram_size,
        .low_ram = m->ram_size < LOW_RAM_LIMIT ? m->ram_size : LOW_RAM_LIMIT,
        .e820 = e820,
        .e820_count = pc_e820_table(m, e820, 8),
        .acpi = acpi,
        .files = &b->boot_files,
    };
    memcpy(info->uuid, b->uuid, 16);
}

/* A random (version 4) UUID, RFC 4122 §4.4. */
static void pc_make_uuid(uint8_t uuid[16])
{
    for (int i = 0; i < 16; i++)
        uuid[i] = (uint8_t)g_random_int();
    uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40);
    uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
}

static int create_fw_cfg(PCBoard *b)
{
    Machine *m = b->m;
    E820Entry e820[8];
    AcpiBoardInfo acpi;
    PcFirmwareInfo info;
    pc_firmware_info(b, &info, e820, &acpi);
    b->fw_cfg = pc_fw_cfg_create(&m->io, &m->mem, &m->log, &info);
    if (!b->fw_cfg)
        return -1;
    fw_cfg_set_dma_written(b->fw_cfg, pc_dma_written, b);
    machine_register_device(m, &b->fw_cfg->dev);
    return 0;
}

/* For a kernel booted without firmware: the SMBIOS entry point and tables in the
 * 0xF0000 segment (reserved in the e820 map), which firmware setup then shows as
 * read-only RAM, as a BIOS leaves its shadowed segment. */
static void pc_place_smbios(PCBoard *b)
{
    E820Entry e820[8];
    AcpiBoardInfo acpi;
    PcFirmwareInfo info;
    SmbiosInfo smbios;
    pc_firmware_info(b, &info, e820, &acpi);
    pc_smbios_info(&info, &smbios);
    if (!smbios_place(&smbios, b->m->ram + SMBIOS_FSEG_BASE, 0x10000, SMBIOS_FSEG_BASE))
        log_printf(&b->m->log, LOG_GUEST_ERROR, "pc: the SMBIOS tables do not fit at 0xF0000\n");
}

/* -kernel: a Linux bzImage (boot protocol 2.06+), an ELF kernel with a PVH entry or a
 * Multiboot kernel, loaded directly
 * as QEMU does (Linux first). */
/* Loads the kernel (and the firmware tables it needs) into RAM: at start-up, to report
 * bad files, and again at every reset, as firmware would boot it again. */
static int load_kernel_now(PCBoard *b)
{
    Machine *m = b->m;
    E820Entry e820[8];
    uint64_t low = m->ram_size < LOW_RAM_LIMIT ? m->ram_size : LOW_RAM_LIMIT;
    LinuxBootInfo info = {e820, pc_e820_table(m, e820, 8), pc_build_acpi(b, low - ACPI_AREA_SIZE),
                          low - ACPI_AREA_SIZE, &b->boot_files};
    pc_build_mptable(b);
    pc_place_smbios(b);
    LinuxBootResult lr = linux_boot_load(m, m->cfg, &info, &b->boot);
    if (lr == LINUX_BOOT_ERROR)
        return -1;
    if (lr == LINUX_BOOT_NOT_LINUX) {
        /* An ELF vmlinux with a PVH entry note next (hw/pvh.c), then Multiboot. */
        PvhBootResult pr = pvh_boot_load(m, m->cfg, &info, &b->boot);
        if (pr == PVH_BOOT_ERROR)
            return -1;
        if (pr == PVH_BOOT_LOADED)
            return 0;
        MultibootResult mr = multiboot_load(m, m->cfg, &b->boot);
        if (mr == MULTIBOOT_ERROR)
            return -1;
        if (mr == MULTIBOOT_NOT_MULTIBOOT) {
            fprintf(stderr,
                    pr == PVH_BOOT_NO_NOTE
                        ? "pacifica: -kernel %s: an ELF file with neither a PVH entry note "
                          "(Xen note 18, XEN_ELFNOTE_PHYS32_ENTRY) nor a Multiboot header\n"
                        : "pacifica: -kernel %s: neither a Linux bzImage, an ELF vmlinux "
                          "with a PVH entry nor a Multiboot kernel\n",
                    m->cfg->kernel);
            return -1;
        }
    }
    return 0;
}

static int load_kernel(PCBoard *b)
{
    if (!b->m->cfg->kernel)
        return 0;
    if (load_kernel_now(b) < 0)
        return -1;
    b->firmware_setup.name = "firmware-setup";
    b->firmware_setup.reset = pc_firmware_setup;
    b->firmware_setup.fields = NULL;
    return 0;
}

/* The 8259's INTR goes to LINT0 of the local APICs (virtual wire mode), or straight to
 * the boot CPU while its APIC is globally disabled. */
static void pc_pic_output(void *opaque, int n, int level)
{
    (void)n;
    apic_bus_set_lint0(((PCBoard *)opaque)->apics, level);
}

/* INTA: the local APIC answers, or hands over to the 8259 for ExtINT. */
static int pc_interrupt_ack(void *opaque, int cpu_index)
{
    PCBoard *b = opaque;
    int vector = apic_acknowledge(b->apics->apics[cpu_index]);
    return vector >= 0 ? vector : pic_acknowledge(b->pic);
}

static void pc_apic_set_intr(void *opaque, int cpu, int level)
{
    machine_set_cpu_intr(((PCBoard *)opaque)->m, cpu, level);
}

static void pc_apic_nmi(void *opaque, int cpu)
{
    Machine *m = ((PCBoard *)opaque)->m;
    if (m->cpu_nmi)
        m->cpu_nmi(m->accel, cpu);
}

static void pc_apic_init(void *opaque, int cpu)
{
    Machine *m = ((PCBoard *)opaque)->m;
    if (m->cpu_init)
        m->cpu_init(m->accel, cpu);
}

static void pc_apic_sipi(void *opaque, int cpu, uint8_t vector)
{
    Machine *m = ((PCBoard *)opaque)->m;
    if (m->cpu_sipi)
        m->cpu_sipi(m->accel, cpu, vector);
}

/* The TSC of the APIC's CPU, for the TSC-deadline timer mode. */
static uint64_t pc_apic_tsc(void *opaque, int cpu)
{
    PCBoard *b = opaque;
    X86CPU *c = (unsigned)cpu < sizeof(b->cpus) / sizeof(b->cpus[0]) ? b->cpus[cpu] : NULL;
    return c ? x86_tsc_read(&c->env) : 0;
}

static void pc_apic_eoi_broadcast(void *opaque, uint8_t vector)
{
    ioapic_eoi(((PCBoard *)opaque)->ioapic, vector);
}

/* CMOS bytes PC firmware reads (IBM PC/AT layout plus the QEMU/SeaBIOS extensions):
 * base and extended memory, memory above 16 MiB and 4 GiB in 64 KiB units, CPU count,
 * equipment byte. */
static void pc_fill_cmos(PCBoard *b)
{
    Machine *m = b->m;
    uint64_t low = m->ram_size < LOW_RAM_LIMIT ? m->ram_size : LOW_RAM_LIMIT;
    uint64_t ext_kib = low > 0x100000 ? (low - 0x100000) >> 10 : 0;
    uint64_t above16 = low > (16 << 20) ? (low - (16 << 20)) >> 16 : 0;
    uint64_t above4g = (m->ram_size - low) >> 16;
    if (ext_kib > 0xffff)
        ext_kib = 0xffff;
    if (above16 > 0xffff)
        above16 = 0xffff;
    rtc_set_cmos(b->rtc, 0x15, 640 & 0xff); /* base memory, KiB */
    rtc_set_cmos(b->rtc, 0x16, 640 >> 8);
    rtc_set_cmos(b->rtc, 0x17, (uint8_t)ext_kib);
    rtc_set_cmos(b->rtc, 0x18, (uint8_t)(ext_kib >> 8));
    rtc_set_cmos(b->rtc, 0x30, (uint8_t)ext_kib);
    rtc_set_cmos(b->rtc, 0x31, (uint8_t)(ext_kib >> 8));
    rtc_set_cmos(b->rtc, 0x34, (uint8_t)above16);
    rtc_set_cmos(b->rtc, 0x35, (uint8_t)(above16 >> 8));
    rtc_set_cmos(b->rtc, 0x5b, (uint8_t)above4g);
    rtc_set_cmos(b->rtc, 0x5c, (uint8_t)(above4g >> 8));
    rtc_set_cmos(b->rtc, 0x5d, (uint8_t)(above4g >> 16));
    rtc_set_cmos(b->rtc, 0x5f, (uint8_t)(m->cfg->smp - 1));
    rtc_set_cmos(b->rtc, 0x14, 0x06); /* equipment: x87 present, PS/2 mouse, VGA */
}

static void pc_request_reset(void *opaque)
{
    machine_request_reset(opaque);
}

static void pc_power_off(void *opaque)
{
    /* ACPI S5: the guest turned the machine off (QEMU exits with status 0 too). */
    machine_request_exit(opaque, 0);
}

/* The PCI side of the chipset: i440FX host bridge (0:0.0), PIIX3 ISA bridge (0:1.0)
 * with PIRQ routing to the PIC, PIIX4 power management (0:1.3) with SCI on IRQ 9. */
static int create_pci(PCBoard *b)
{
    Machine *m = b->m;
    b->pci = pci_bus_new(&m->mem, &m->io, &m->log);
    if (!b->pci)
        return -1;
    machine_register_device(m, &b->pci->dev);
    size_t isa = b->bios_size < BIOS_ISA_WINDOW ? b->bios_size : BIOS_ISA_WINDOW;
    const uint8_t *rom = b->bios ? b->bios + b->bios_size - isa : NULL;
    b->host_bridge = i440fx_new(b->pci, &m->mem, m->ram, rom, 0x100000 - isa);
    IrqLine isa_irqs[16];
    for (unsigned i = 0; i < 16; i++)
        isa_irqs[i] = pic_irq_line(b->pic, i);
    b->isa_bridge = piix3_new(b->pci, isa_irqs, pc_request_reset, m);
    if (b->isa_bridge)
        for (int p = 0; p < 4; p++)
            b->isa_bridge->apic_pirq[p] = ioapic_irq_line(b->ioapic, 16 + (unsigned)p);
    b->pm = piix4_pm_new(b->pci, &m->io, &m->clock, pc_isa_line(b, 9), pc_power_off, m, &m->log);
    if (!b->host_bridge || !b->isa_bridge || !b->pm)
        return -1;
    machine_register_device(m, &b->host_bridge->pci.dev);
    machine_register_device(m, &b->isa_bridge->pci.dev);
    machine_register_device(m, &b->pm->pci.dev);
    return 0;
}

/* As SeaBIOS leaves the chipset for the OS: PM registers at 0x600, PIRQ A-D routed to
 * IRQs 10, 10, 11, 11 and those made level-triggered in the ELCR, SCI (IRQ 9) level
 * too. */
static void pc_firmware_setup(DeviceState *dev)
{
    PCBoard *b = (PCBoard *)((char *)dev - offsetof(PCBoard, firmware_setup));
    static const uint8_t pirq_irq[4] = {10, 10, 11, 11};
    piix4_pm_firmware_setup(b->pm, PIIX4_PM_DEFAULT_BASE);
    /* BIOS data area: the EBDA segment at 40:0E (where OSes look for the MP table). */
    b->m->ram[0x40e] = (uint8_t)(EBDA_BASE >> 4);
    b->m->ram[0x40f] = (uint8_t)(EBDA_BASE >> 12);
    if (load_kernel_now(b) < 0)
        log_printf(&b->m->log, LOG_GUEST_ERROR, "pc: reloading the kernel at reset failed\n");
    /* PAM0: 0xF0000-0xFFFFF reads from DRAM (the SMBIOS tables), writes dropped. */
    pci_config_write(b->pci, PCI_DEVFN(0, 0), 0x59, 0x10, 1);
    for (int p = 0; p < 4; p++)
        pci_config_write(b->pci, PCI_DEVFN(1, 0), 0x60 + p, pirq_irq[p], 1);
    address_space_write(&b->m->io, 0x4d1, (1 << (9 - 8)) | (1 << (10 - 8)) | (1 << (11 - 8)), 1);
}

static void pc_request_reset_from(void *opaque)
{
    machine_request_reset(((PCBoard *)opaque)->m);
}

/* A20M# to every CPU (SDM 3A §21.33.2): bit 20 of physical addresses is forced to 0
 * while the gate is closed. Changed by firmware while only the boot CPU runs. */
static void pc_update_a20(PCBoard *b)
{
    bool open = b->kbc_a20 || b->fast_a20;
    for (unsigned i = 0; i < sizeof(b->cpus) / sizeof(b->cpus[0]); i++)
        if (b->cpus[i])
            x86_set_a20(&b->cpus[i]->env, open);
    /* Each vCPU empties its TLB before its next block. */
    if (b->m->kick_vcpus && b->m->accel)
        b->m->kick_vcpus(b->m->accel);
}

static void pc_kbc_set_a20(void *opaque, bool enabled)
{
    PCBoard *b = opaque;
    b->kbc_a20 = enabled;
    pc_update_a20(b);
}

static void pc_port92_set_a20(void *opaque, bool enabled)
{
    PCBoard *b = opaque;
    b->fast_a20 = enabled;
    pc_update_a20(b);
}

/* The keyboard controller (with its PS/2 keyboard and mouse) and port 0x92. */
static int create_kbc(PCBoard *b)
{
    Machine *m = b->m;
    b->kbc = i8042_new(&m->io, pc_isa_line(b, 1), pc_isa_line(b, 12), pc_request_reset_from,
                       pc_kbc_set_a20, b, &m->log);
    b->port92 = port92_new(&m->io, pc_request_reset_from, pc_port92_set_a20, b);
    if (!b->kbc || !b->port92)
        return -1;
    b->kbc_a20 = i8042_a20_enabled(b->kbc);
    b->fast_a20 = port92_a20_enabled(b->port92);
    machine_register_device(m, &b->kbc->dev);
    machine_register_device(m, &b->kbc->kbd->dev);
    machine_register_device(m, &b->kbc->mouse->dev);
    machine_register_device(m, &b->port92->dev);
    return 0;
}

static int create_chipset(PCBoard *b)
{
    Machine *m = b->m;
    ApicCpuOps cpu_ops = {pc_apic_set_intr, pc_apic_nmi, pc_apic_init, pc_apic_sipi,
                          pc_apic_tsc,      b,           X86_TSC_HZ};
    b->apics = apic_bus_new(m->cfg->smp, &m->clock, &cpu_ops, &m->log);
    if (!b->apics)
        return -1;
    b->apics->eoi_broadcast = pc_apic_eoi_broadcast;
    b->apics->eoi_opaque = b;
    for (unsigned i = 0; i < b->apics->count; i++)
        machine_register_device(m, &b->apics->apics[i]->dev);
    b->ioapic = ioapic_new(&m->mem, b->apics, &m->log);
    b->pic = pic_new(&m->io, (IrqLine){pc_pic_output, b, 0}, &m->log);
    b->pit = pit_new(&m->io, &m->clock, (IrqLine){pc_legacy_timer_irq, b, 0}, &m->log);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    b->rtc = rtc_new(&m->io, &m->clock, (IrqLine){pc_legacy_timer_irq, b, 8},
                     (int64_t)now.tv_sec * 1000000000 + now.tv_nsec, &m->log);
    b->hpet = hpet_new(&m->mem, &m->clock, &m->log);
    if (!b->ioapic || !b->pic || !b->pit || !b->rtc || !b->hpet)
        return -1;
    IrqLine pins[HPET_IOAPIC_PINS];
    for (unsigned i = 0; i < HPET_IOAPIC_PINS; i++)
        pins[i] = ioapic_irq_line(b->ioapic, i);
    hpet_set_ioapic_lines(b->hpet, pins);
    hpet_set_legacy_lines(b->hpet, pc_isa_line(b, 0), pc_isa_line(b, 8));
    hpet_set_legacy_notify(b->hpet, pc_hpet_legacy_changed, b);
    machine_register_device(m, &b->hpet->dev);
    machine_register_device(m, &b->ioapic->dev);
    machine_register_device(m, &b->pic->dev);
    machine_register_device(m, &b->pit->dev);
    machine_register_device(m, &b->rtc->dev);
    b->fpu_error = fpu_error_new(&m->io, pc_isa_line(b, 13));
    machine_register_device(m, &b->fpu_error->dev);
    m->set_ferr = fpu_error_set_ferr;
    m->set_ferr_opaque = b->fpu_error;
    pc_fill_cmos(b);
    m->interrupt_ack = pc_interrupt_ack;
    m->interrupt_ack_opaque = b;
    return create_pci(b);
}

/* An MSI (or MSI-X) message is a 32-bit write of data to addr; 0xFEExxxxx reaches the
 * local APICs. SDM Vol 3A §11.11.1: address bits 19:12 are the destination ID, bit 2
 * the destination mode (1: logical); §11.11.2: data bits 7:0 are the vector, 10:8 the
 * delivery mode, bit 15 the trigger mode (1: level). */
static void pc_msi_deliver(void *opaque, uint64_t addr, uint32_t data)
{
    PCBoard *b = opaque;
    if ((addr & ~0xfffffull) != APIC_DEFAULT_BASE) {
        log_printf(&b->m->log, LOG_GUEST_ERROR,
                   "pc: MSI to 0x%" PRIx64 " is outside the APIC window, dropped\n", addr);
        return;
    }
    apic_bus_deliver(b->apics, (uint32_t)(addr >> 12) & 0xff, (addr >> 2) & 1,
                     (int)((data >> 8) & 7), (uint8_t)data, (data >> 15) & 1);
}

static void pc_dma_written(void *opaque, uint64_t gpa, uint64_t len)
{
    PCBoard *b = opaque;
    if (b->dma_written_hook)
        b->dma_written_hook(b->dma_written_opaque, gpa, len);
}

static BlockCacheMode pc_block_cache_mode(DriveCache cache)
{
    switch (cache) {
    case DRIVE_CACHE_WRITETHROUGH: return BLOCK_CACHE_WRITETHROUGH;
    case DRIVE_CACHE_NONE: return BLOCK_CACHE_NONE;
    case DRIVE_CACHE_DIRECTSYNC: return BLOCK_CACHE_DIRECTSYNC;
    case DRIVE_CACHE_UNSAFE: return BLOCK_CACHE_UNSAFE;
    default: return BLOCK_CACHE_WRITEBACK;
    }
}

static const char *const pc_drive_formats[] = {
    [DRIVE_FORMAT_PROBE] = NULL,
    [DRIVE_FORMAT_RAW] = "raw",
    [DRIVE_FORMAT_QCOW2] = "qcow2",
};

/* Opens drive i's image and puts a virtio-blk function for it at slot 4 + i. */
static int create_drive(PCBoard *b, unsigned i)
{
    Machine *m = b->m;
    const DriveConfig *dc = &m->cfg->drives[i];
    char *err = NULL;
    BlockOpenOptions opts = {
        .filename = dc->file,
        .format = pc_drive_formats[dc->format],
        .read_only = dc->read_only,
        .snapshot = dc->snapshot,
        .cache = pc_block_cache_mode(dc->cache),
        .discard_unmap = dc->discard_unmap,
    };
    b->drive_nodes[i] = block_open(&opts, &err);
    if (!b->drive_nodes[i]) {
        /* The block layer's message names the file; say which option it came from. */
        if (err)
            fprintf(stderr, "pacifica: -drive: %s\n", err);
        else
            fprintf(stderr, "pacifica: -drive: %s: cannot open the image\n", dc->file);
        free(err);
        return -1;
    }
    VirtioBlkOptions blk = {
        .node = b->drive_nodes[i],
        .aio = b->aio,
        .serial = dc->serial[0] ? dc->serial : NULL,
        .mem = &m->mem,
        .log = &m->log,
        .dma_written = pc_dma_written,
        .dma_opaque = b,
    };
    /* Transitional, as QEMU's pc machine makes its virtio functions. */
    VirtioPciConfig pci = {.msi_deliver = pc_msi_deliver, .msi_opaque = b, .transitional = true};
    b->drives[i] = virtio_blk_pci_new(b->pci, PCI_DEVFN(FIRST_DRIVE_SLOT + i, 0), &blk, &pci);
    if (!b->drives[i]) {
        fprintf(stderr, "pacifica: -drive file=%s: cannot create the virtio-blk device\n",
                dc->file);
        return -1;
    }
    machine_register_device(m, &b->drives[i]->pci.pci.dev);
    return 0;
}

static int create_drives(PCBoard *b)
{
    const MachineConfig *cfg = b->m->cfg;
    if (!cfg->ndrives)
        return 0;
    b->aio = aio_context_new(0);
    if (!b->aio) {
        fprintf(stderr, "pacifica: -drive: cannot start the block I/O threads\n");
        return -1;
    }
    for (unsigned i = 0; i < cfg->ndrives; i++)
        if (create_drive(b, i) < 0)
            return -1;
    return 0;
}

static void destroy_drives(PCBoard *b)
{
    /* Devices first (they drain their requests), then the pool, then the images. */
    for (unsigned i = 0; i < MAX_DRIVES; i++)
        if (b->drives[i])
            virtio_blk_pci_free(b->drives[i]);
    if (b->aio)
        aio_context_free(b->aio);
    for (unsigned i = 0; i < MAX_DRIVES; i++)
        if (b->drive_nodes[i])
            block_close(b->drive_nodes[i]);
}

AioContext *pc_board_aio(PCBoard *b)
{
    return b->aio;
}

void pc_board_set_dma_written_hook(PCBoard *b, PcDmaWrittenHook *hook, void *opaque)
{
    b->dma_written_hook = hook;
    b->dma_written_opaque = opaque;
}

/* ---- -device ----
 *
 * The devices a user can add by name, with QEMU's names and property names, so that
 * command lines written for QEMU (test suites, kvm-unit-tests) work unchanged. Each
 * creator takes the properties it knows from the list (keyval_take); one left over is
 * an error naming it. */

typedef struct PcDeviceType {
    const char *name;
    const char *bus; /* as QEMU's "-device help" groups them */
    const char *desc;
    const char *props; /* "name=type (default), ..." for "-device NAME,help" */
    int (*create)(PCBoard *b, KeyValueList *kv, char *err, size_t errlen);
} PcDeviceType;

/* Reads an optional integer property; false with a message in err if malformed. */
static bool pc_device_uint_prop(KeyValueList *kv, const char *key, uint64_t max, uint64_t *val,
                                char *err, size_t errlen)
{
    const char *s = keyval_take(kv, key);
    if (!s)
        return true;
    if (keyval_parse_uint(s, max, val))
        return true;
    snprintf(err, errlen, "property '%s': '%s' is not a number from 0 to %" PRIu64, key, s, max);
    return false;
}

/* QEMU's isa-debug-exit (hw/misc/debugexit.c): iobase 0x501 and iosize 2 by default. */
static int pc_create_isa_debug_exit(PCBoard *b, KeyValueList *kv, char *err, size_t errlen)
{
    uint64_t base = 0x501, size = 2;
    if (!pc_device_uint_prop(kv, "iobase", 0xffff, &base, err, errlen) ||
        !pc_device_uint_prop(kv, "iosize", 0x10000, &size, err, errlen))
        return -1;
    if (size == 0 || base + size > 0x10000) {
        snprintf(err, errlen, "iobase 0x%" PRIx64 " and iosize 0x%" PRIx64 " leave the I/O space",
                 base, size);
        return -1;
    }
    DebugExitState *d =
        debug_exit_new(&b->m->io, (uint16_t)base, (uint16_t)size, debug_exit_request, b->m);
    b->user_debug_exits[b->nuser_debug_exits++] = d;
    machine_register_device(b->m, &d->dev);
    return 0;
}

static void pc_testdev_flush(void *opaque, uint64_t page)
{
    pc_dma_written(opaque, page, 4096);
}

/* QEMU's pc-testdev at its fixed ports: its interrupt lines 0-15 are the ISA IRQs,
 * 16-23 the I/O APIC's PCI pins. */
static int pc_create_pc_testdev(PCBoard *b, KeyValueList *kv, char *err, size_t errlen)
{
    (void)kv;
    if (b->pc_testdev) {
        snprintf(err, errlen, "only one pc-testdev fits (its ports are fixed)");
        return -1;
    }
    IrqLine irqs[PC_TESTDEV_NUM_IRQS];
    for (unsigned i = 0; i < PC_TESTDEV_NUM_IRQS; i++)
        irqs[i] = i < 16 ? pc_isa_line(b, i) : ioapic_irq_line(b->ioapic, i);
    b->pc_testdev = pc_testdev_new(&b->m->io, &b->m->mem, irqs, pc_testdev_flush, b, &b->m->log);
    machine_register_device(b->m, &b->pc_testdev->dev);
    return 0;
}

/* The PCI slot (function 0) of a -device: addr=SLOT[.FN] in hex as QEMU writes it, or
 * the first free slot from 2 on; -1 with a message in err. */
static int pc_pci_devfn(PCBoard *b, KeyValueList *kv, char *err, size_t errlen)
{
    const char *addr = keyval_take(kv, "addr");
    if (!addr) {
        for (unsigned slot = 2; slot < 32; slot++)
            if (!b->pci->devices[PCI_DEVFN(slot, 0)])
                return PCI_DEVFN(slot, 0);
        snprintf(err, errlen, "no free PCI slot left");
        return -1;
    }
    char *end;
    unsigned long slot = strtoul(addr, &end, 16), fn = 0;
    if (end != addr && *end == '.')
        fn = strtoul(end + 1, &end, 16);
    if (end == addr || *end || slot > 31 || fn > 7) {
        snprintf(err, errlen, "property 'addr': '%s' is not a PCI address (SLOT[.FN], hex)", addr);
        return -1;
    }
    if (b->pci->devices[PCI_DEVFN(slot, fn)]) {
        snprintf(err, errlen, "PCI address %02lx.%lx is already taken", slot, fn);
        return -1;
    }
    return PCI_DEVFN(slot, fn);
}

static int pc_create_pci_testdev(PCBoard *b, KeyValueList *kv, char *err, size_t errlen)
{
    int devfn = pc_pci_devfn(b, kv, err, errlen);
    if (devfn < 0)
        return -1;
    PciTestdevState *d = pci_testdev_new(b->pci, (uint8_t)devfn);
    b->pci_testdevs[b->npci_testdevs++] = d;
    machine_register_device(b->m, &d->pci.dev);
    return 0;
}

/* The virtio functions of hw/pc_virtio.c, with this board's bus and interrupts. */
static PcVirtioEnv pc_virtio_env(PCBoard *b)
{
    return (PcVirtioEnv){.m = b->m,
                         .bus = b->pci,
                         .pci = {.msi_deliver = pc_msi_deliver, .msi_opaque = b},
                         .dma_written = pc_dma_written,
                         .dma_opaque = b};
}

static int pc_create_virtio_rng(PCBoard *b, KeyValueList *kv, char *err, size_t errlen)
{
    PcVirtioEnv env = pc_virtio_env(b);
    return pc_virtio_create_rng(&b->virtio_fns, &env, kv, err, errlen);
}

static int pc_create_virtio_serial(PCBoard *b, KeyValueList *kv, char *err, size_t errlen)
{
    PcVirtioEnv env = pc_virtio_env(b);
    return pc_virtio_create_serial(&b->virtio_fns, &env, kv, err, errlen);
}

static int pc_create_virtconsole(PCBoard *b, KeyValueList *kv, char *err, size_t errlen)
{
    PcVirtioEnv env = pc_virtio_env(b);
    return pc_virtio_create_console(&b->virtio_fns, &env, kv, err, errlen);
}

static int pc_create_virtio_net(PCBoard *b, KeyValueList *kv, char *err, size_t errlen)
{
    return pc_net_add_virtio_net(b->net, kv, err, errlen);
}

static const PcDeviceType pc_device_types[] = {
    {"virtio-net-pci", "PCI", "virtio network card",
     "netdev=str (none), mac=str (52:54:00:12:34:56 + index)", pc_create_virtio_net},
    {"isa-debug-exit", "ISA", "exits the emulator with a status the guest writes",
     "iobase=uint16 (0x501), iosize=uint16 (2)", pc_create_isa_debug_exit},
    {"pc-testdev", "ISA", "QEMU's PC test device (ports 0xe0-0xeb, 0x2000, memory at 0xff000000)",
     "", pc_create_pc_testdev},
    {"pci-testdev", "PCI", "PCI Test Device", "addr=pci-address (first free slot)",
     pc_create_pci_testdev},
    {"virtio-rng-pci", "PCI", "entropy from the host's getrandom", PC_VIRTIO_PCI_PROPS,
     pc_create_virtio_rng},
    {"virtio-serial-pci", "PCI", "virtio console device for a virtconsole port",
     PC_VIRTIO_PCI_PROPS, pc_create_virtio_serial},
    {"virtconsole", "virtio-serial-bus", "a console port (guest /dev/hvc0) on a -chardev",
     "chardev=str (required)", pc_create_virtconsole},
};

#define PC_NDEVICE_TYPES (sizeof(pc_device_types) / sizeof(pc_device_types[0]))

static const PcDeviceType *pc_find_device_type(const char *name)
{
    for (size_t i = 0; i < PC_NDEVICE_TYPES; i++)
        if (!strcmp(pc_device_types[i].name, name))
            return &pc_device_types[i];
    return NULL;
}

bool pc_device_help(const MachineConfig *cfg, FILE *out)
{
    for (unsigned i = 0; i < cfg->ndevices; i++) {
        const KeyValueList *kv = &cfg->devices[i];
        if (!kv->help)
            continue;
        const PcDeviceType *t = kv->driver[0] ? pc_find_device_type(kv->driver) : NULL;
        if (t) {
            fprintf(out, "%s options:\n  %s\n", t->name, t->props[0] ? t->props : "(none)");
            return true;
        }
        if (kv->driver[0])
            fprintf(out, "unknown device '%s'; ", kv->driver);
        fprintf(out, "available devices:\n");
        for (size_t j = 0; j < PC_NDEVICE_TYPES; j++)
            fprintf(out, "  name \"%s\", bus %s, desc \"%s\"\n", pc_device_types[j].name,
                    pc_device_types[j].bus, pc_device_types[j].desc);
        return true;
    }
    return false;
}

/* Whether t's property list (its help text, "name=type (default), ...") has key. */
static bool pc_device_type_has_prop(const PcDeviceType *t, const char *key)
{
    size_t len = strlen(key);
    for (const char *p = t->props; *p;) {
        if (!strncmp(p, key, len) && p[len] == '=')
            return true;
        const char *comma = strstr(p, ", ");
        if (!comma)
            break;
        p = comma + 2;
    }
    return false;
}

bool pc_check_devices(const MachineConfig *cfg, FILE *err)
{
    for (unsigned i = 0; i < cfg->ndevices; i++) {
        const KeyValueList *kv = &cfg->devices[i];
        const PcDeviceType *t = pc_find_device_type(kv->driver);
        if (!t) {
            fprintf(err, "pacifica: -device %s: unknown device '%s' ('-device help' lists them)\n",
                    kv->text, kv->driver);
            return false;
        }
        for (unsigned j = 0; j < kv->nitems; j++) {
            if (!pc_device_type_has_prop(t, kv->items[j].key)) {
                fprintf(err,
                        "pacifica: -device %s: %s has no property '%s' ('-device %s,help' lists "
                        "them)\n",
                        kv->text, t->name, kv->items[j].key, t->name);
                return false;
            }
        }
    }
    return true;
}

static bool pc_has_user_device(const MachineConfig *cfg, const char *name)
{
    for (unsigned i = 0; i < cfg->ndevices; i++)
        if (!strcmp(cfg->devices[i].driver, name))
            return true;
    return false;
}

/* Creates the -device devices in command-line order. The list is the board's to
 * consume (properties are marked taken), so it works on a copy of each. */
static int create_user_devices(PCBoard *b)
{
    const MachineConfig *cfg = b->m->cfg;
    for (unsigned i = 0; i < cfg->ndevices; i++) {
        KeyValueList kv = cfg->devices[i];
        char err[256] = "";
        const PcDeviceType *t = pc_find_device_type(kv.driver);
        for (unsigned j = 0; j < kv.nitems; j++)
            kv.items[j].taken = false;
        if (!t) {
            fprintf(stderr,
                    "pacifica: -device %s: unknown device '%s' ('-device help' lists them)\n",
                    kv.text, kv.driver);
            return -1;
        }
        /* Checked before creating, so a typo never leaves a half-made device. */
        const char *unused = NULL;
        if (t->create(b, &kv, err, sizeof(err)) < 0) {
            fprintf(stderr, "pacifica: -device %s: %s\n", kv.text, err);
            return -1;
        }
        if ((unused = keyval_first_unused(&kv))) {
            fprintf(stderr, "pacifica: -device %s: %s has no property '%s'\n", kv.text, t->name,
                    unused);
            return -1;
        }
    }
    return 0;
}

/* Backends and -nic cards; -device virtio-net-pci ones come with the other devices. */
static int create_network(PCBoard *b)
{
    PcNetWiring w = {.m = b->m,
                     .bus = b->pci,
                     .pci = {.msi_deliver = pc_msi_deliver, .msi_opaque = b},
                     .dma_written = pc_dma_written,
                     .dma_opaque = b};
    b->net = pc_net_create(&w);
    return b->net ? 0 : -1;
}

NetStack *pc_board_net(PCBoard *b)
{
    if (b->net)
        pc_net_check_peers(b->net);
    return pc_net_stack(b->net);
}

PCBoard *pc_board_create(Machine *m)
{
    PCBoard *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->m = m;
    map_ram(m);
    m->cpu_reset_hook = pc_cpu_reset_hook;
    m->cpu_reset_opaque = b;
    pc_make_uuid(b->uuid);
    if (map_firmware(b) < 0 || create_chipset(b) < 0 || create_kbc(b) < 0 ||
        create_serial_ports(b) < 0 || create_drives(b) < 0 || load_kernel(b) < 0 ||
        create_fw_cfg(b) < 0 || create_network(b) < 0 || create_user_devices(b) < 0) {
        pc_board_destroy(b);
        return NULL;
    }
    /* Pacifica's tests exit through 0xf4 (QEMU: -device isa-debug-exit,iobase=0xf4,
     * iosize=4); a machine given its own isa-debug-exit gets only that one. */
    if (!pc_has_user_device(m->cfg, "isa-debug-exit")) {
        b->debug_exit = debug_exit_new(&m->io, DEBUG_EXIT_BASE, 4, debug_exit_request, m);
        machine_register_device(m, &b->debug_exit->dev);
    }
    if (m->cfg->debugcon && strcmp(m->cfg->debugcon, "none")) {
        Chardev *chr = machine_open_chardev(m, m->cfg->debugcon);
        if (!chr) {
            pc_board_destroy(b);
            return NULL;
        }
        b->debugcon = debugcon_new(&m->io, DEBUGCON_BASE, chr);
        machine_register_device(m, &b->debugcon->dev);
    }
    /* Registered last so that it runs after every device's own reset. */
    if (b->firmware_setup.reset)
        machine_register_device(m, &b->firmware_setup);
    return b;
}

void pc_board_destroy(PCBoard *b)
{
    if (!b)
        return;
    for (unsigned i = 0; i < MAX_SERIAL_PORTS; i++)
        if (b->serial[i])
            serial_free(b->serial[i]);
    if (b->debug_exit)
        debug_exit_free(b->debug_exit);
    for (unsigned i = 0; i < b->nuser_debug_exits; i++)
        debug_exit_free(b->user_debug_exits[i]);
    if (b->debugcon)
        debugcon_free(b->debugcon);
    fw_cfg_free(b->fw_cfg);
    pc_testdev_free(b->pc_testdev);
    for (unsigned i = 0; i < b->npci_testdevs; i++)
        pci_testdev_free(b->pci_testdevs[i]);
    pc_virtio_destroy(&b->virtio_fns);
    destroy_drives(b);
    pc_net_free(b->net);
    piix4_pm_free(b->pm);
    piix3_free(b->isa_bridge);
    i440fx_free(b->host_bridge);
    pci_bus_free(b->pci);
    i8042_free(b->kbc);
    port92_free(b->port92);
    fpu_error_free(b->fpu_error);
    hpet_free(b->hpet);
    rtc_free(b->rtc);
    pit_free(b->pit);
    pic_free(b->pic);
    ioapic_free(b->ioapic);
    apic_bus_free(b->apics);
    free(b->bios);
    boot_files_free(&b->boot_files);
    free(b);
}

void pc_board_power_button(PCBoard *b)
{
    piix4_pm_power_button(b->pm);
}
