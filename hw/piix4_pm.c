/* Intel 82371AB PIIX4 function 3, power management (82371AB datasheet §7.1 PCI
 * configuration: PMBA at 40h, PMREGMISC at 80h; §7.2 I/O registers: PMSTS 00h, PMEN
 * 02h, PMCNTRL 04h, PMTMR 08h, GPSTS 0Ch, GPEN 0Eh) with the ACPI meanings of the bits
 * (ACPI 6.4 §4.8.3: PM1 status/enable/control, the PM timer).
 *
 * The timer counts at 3.579545 MHz from the virtual clock; TMR_STS is set each time bit
 * 23 changes. Status bits are write-one-to-clear. SCI = (PM1 status & enable) or (GPE
 * status & enable), while SCI_EN is set. SLP_EN with SLP_TYP 0 (this board's \_S5, as
 * on QEMU) powers off. */
#include "hw/piix4_pm.h"

#include <stdlib.h>

#define PIIX4_PMBA      0x40
#define PIIX4_PMREGMISC 0x80

#define PM1_TMR_STS        0x0001
#define PM1_GBL_STS        0x0020
#define PM1_PWRBTN_STS     0x0100
#define PM1_WAK_STS        0x8000
#define PM1_EVENTS         (PM1_TMR_STS | PM1_GBL_STS | PM1_PWRBTN_STS)
#define PM1_CNT_SCI_EN     0x0001
#define PM1_CNT_SLP_EN     0x2000
#define PM1_CNT_SLP_TYP(v) (((v) >> 10) & 7)

#define NS_PER_SEC 1000000000ll

static const VMStateField piix4_pm_fields[] = {
    VMSTATE_BYTES(Piix4PmState, pci.config), VMSTATE_U16(Piix4PmState, pm1_sts),
    VMSTATE_U16(Piix4PmState, pm1_en),       VMSTATE_U16(Piix4PmState, pm1_cnt),
    VMSTATE_U16(Piix4PmState, gpe_sts),      VMSTATE_U16(Piix4PmState, gpe_en),
    VMSTATE_U8(Piix4PmState, apm_cnt),       VMSTATE_U8(Piix4PmState, apm_sts),
    VMSTATE_U8(Piix4PmState, sci_level),     VMSTATE_END,
};

static uint64_t pm_ticks(const Piix4PmState *s)
{
    return (uint64_t)(((__int128)clock_now_ns(s->clock) * ACPI_PM_TIMER_HZ) / NS_PER_SEC);
}

uint32_t piix4_pm_timer(const Piix4PmState *s)
{
    return (uint32_t)(pm_ticks(s) & 0xffffff);
}

static void piix4_pm_update_sci(Piix4PmState *s)
{
    bool level = (s->pm1_cnt & PM1_CNT_SCI_EN) &&
                 ((s->pm1_sts & s->pm1_en & PM1_EVENTS) || (s->gpe_sts & s->gpe_en));
    if (level != s->sci_level) {
        s->sci_level = level;
        irq_set_level(&s->sci, level);
    }
}

static void piix4_pm_arm_overflow(Piix4PmState *s)
{
    if (!(s->pm1_en & PM1_TMR_STS)) {
        timer_del(&s->overflow_timer);
        return;
    }
    uint64_t next = (pm_ticks(s) | 0x7fffff) + 1; /* the next change of bit 23 */
    int64_t ns = (int64_t)(((__int128)next * NS_PER_SEC + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ);
    timer_mod(&s->overflow_timer, ns);
}

static void piix4_pm_overflow_cb(void *opaque)
{
    Piix4PmState *s = opaque;
    s->pm1_sts |= PM1_TMR_STS;
    piix4_pm_update_sci(s);
    piix4_pm_arm_overflow(s);
}

static uint64_t pm_io_read(void *opaque, uint64_t addr, unsigned size)
{
    Piix4PmState *s = opaque;
    uint32_t v;
    switch (addr & ~1ull) {
    case 0x00: v = s->pm1_sts; break;
    case 0x02: v = s->pm1_en; break;
    case 0x04: v = s->pm1_cnt & ~PM1_CNT_SLP_EN; break; /* SLP_EN reads 0 */
    case 0x08:
    case 0x0a:
        v = piix4_pm_timer(s);
        if (addr >= 0x0a)
            v >>= 16;
        break;
    case 0x0c: v = s->gpe_sts; break;
    case 0x0e: v = s->gpe_en; break;
    default: v = 0; break;
    }
    if (addr & 1)
        v >>= 8;
    return v & (size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
}

static void pm_sleep(Piix4PmState *s, uint16_t cnt)
{
    unsigned typ = PM1_CNT_SLP_TYP(cnt);
    if (typ == 0) {
        if (s->power_off)
            s->power_off(s->power_off_opaque);
        return;
    }
    log_printf(s->log, LOG_UNIMP, "piix4-pm: sleep type %u (only S5 is supported)\n", typ);
    s->pm1_sts |= PM1_WAK_STS; /* wake up at once */
}

/* Registers are 16-bit; narrower writes merge into them. */
static void pm_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    Piix4PmState *s = opaque;
    unsigned shift = (addr & 1) * 8;
    uint16_t mask = (uint16_t)((size >= 2 ? 0xffff : 0xff) << shift);
    uint16_t v = (uint16_t)(val << shift);
    switch (addr & ~1ull) {
    case 0x00: s->pm1_sts &= ~(v & mask); break; /* write one to clear */
    case 0x02:
        s->pm1_en = (s->pm1_en & ~mask) | (v & mask);
        piix4_pm_arm_overflow(s);
        break;
    case 0x04:
        s->pm1_cnt = (s->pm1_cnt & ~mask) | (v & mask);
        if (s->pm1_cnt & PM1_CNT_SLP_EN) {
            s->pm1_cnt &= ~PM1_CNT_SLP_EN;
            pm_sleep(s, (uint16_t)(s->pm1_cnt | PM1_CNT_SLP_EN));
        }
        break;
    case 0x0c: s->gpe_sts &= ~(v & mask); break;
    case 0x0e: s->gpe_en = (s->gpe_en & ~mask) | (v & mask); break;
    default:
        log_printf(s->log, LOG_GUEST_ERROR, "piix4-pm: write to register 0x%02llx\n",
                   (unsigned long long)addr);
        break;
    }
    piix4_pm_update_sci(s);
}

static uint64_t apm_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)size;
    Piix4PmState *s = opaque;
    return addr == 0 ? s->apm_cnt : s->apm_sts;
}

/* APMC (0xB2): with no SMM, the ACPI enable/disable commands the FADT advertises are
 * carried out here directly, as firmware's SMI handler would (ACPI 6.4 §4.8.2.1). */
static void apm_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    (void)size;
    Piix4PmState *s = opaque;
    if (addr == 1) {
        s->apm_sts = (uint8_t)val;
        return;
    }
    s->apm_cnt = (uint8_t)val;
    if (val == ACPI_ENABLE_CMD)
        s->pm1_cnt |= PM1_CNT_SCI_EN;
    else if (val == ACPI_DISABLE_CMD)
        s->pm1_cnt &= ~PM1_CNT_SCI_EN;
    piix4_pm_update_sci(s);
}

static const MemoryRegionOps pm_io_ops = {
    .read = pm_io_read, .write = pm_io_write, .min_access = 1, .max_access = 4};
static const MemoryRegionOps apm_ops = {
    .read = apm_read, .write = apm_write, .min_access = 1, .max_access = 1};

/* PMBA and PMIOSE decide where (and whether) the PM registers appear. */
static void piix4_pm_update_io(Piix4PmState *s)
{
    uint32_t base = pci_get_long(s->pci.config + PIIX4_PMBA) & 0xffc0;
    bool on = (s->pci.config[PIIX4_PMREGMISC] & 1) && base;
    if (on)
        memory_region_set_base(s->io, s->pm_io, base);
    memory_region_set_enabled(s->io, s->pm_io, on);
}

static void piix4_pm_config_written(PciDevice *d, unsigned addr, uint32_t val, unsigned size)
{
    (void)val;
    if ((addr < PIIX4_PMBA + 4 && addr + size > PIIX4_PMBA) ||
        (addr <= PIIX4_PMREGMISC && addr + size > PIIX4_PMREGMISC))
        piix4_pm_update_io((Piix4PmState *)d);
}

static void piix4_pm_reset(DeviceState *dev)
{
    Piix4PmState *s = (Piix4PmState *)dev;
    pci_device_reset(&s->pci);
    pci_set_long(s->pci.config + PIIX4_PMBA, 1); /* I/O space indicator */
    s->pci.config[PIIX4_PMREGMISC] = 0;
    s->pm1_sts = s->pm1_en = s->pm1_cnt = 0;
    s->gpe_sts = s->gpe_en = 0;
    s->apm_cnt = s->apm_sts = 0;
    timer_del(&s->overflow_timer);
    piix4_pm_update_io(s);
    piix4_pm_update_sci(s);
}

void piix4_pm_firmware_setup(Piix4PmState *s, uint16_t base)
{
    pci_set_long(s->pci.config + PIIX4_PMBA, (base & 0xffc0) | 1);
    s->pci.config[PIIX4_PMREGMISC] = 1;
    piix4_pm_update_io(s);
}

void piix4_pm_power_button(Piix4PmState *s)
{
    s->pm1_sts |= PM1_PWRBTN_STS;
    piix4_pm_update_sci(s);
}

/* The PM timer's overflow timer from the restored registers. */
static void piix4_pm_post_load(DeviceState *dev)
{
    piix4_pm_arm_overflow((Piix4PmState *)dev);
}

Piix4PmState *piix4_pm_new(PciBus *bus, AddressSpace *io, VirtualClock *clock, IrqLine sci,
                           void (*power_off)(void *opaque), void *opaque, const Log *log)
{
    Piix4PmState *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    /* 82371AB function 3: vendor 8086h, device 7113h, revision 03h, class 068000h. */
    pci_device_init(&s->pci, bus, PCI_DEVFN(1, 3), "piix4-pm", 0x8086, 0x7113, 0x03, 0x068000);
    s->pci.config[PCI_INTERRUPT_PIN] = 1;
    s->pci.dev.reset = piix4_pm_reset;
    s->pci.dev.fields = piix4_pm_fields;
    s->pci.dev.post_load = piix4_pm_post_load;
    s->pci.config_written = piix4_pm_config_written;
    pci_set_long(s->pci.wmask + PIIX4_PMBA, 0xffc0);
    s->pci.wmask[PIIX4_PMREGMISC] = 0x01;
    s->io = io;
    s->clock = clock;
    s->sci = sci;
    s->log = log;
    s->power_off = power_off;
    s->power_off_opaque = opaque;
    timer_init(&s->overflow_timer, clock, piix4_pm_overflow_cb, s);
    s->pm_io = address_space_add_mmio(io, "piix4-pm", 0, PIIX4_PM_IO_SIZE, &pm_io_ops, s, 0);
    s->apm_io = address_space_add_mmio(io, "apm", PIIX4_APM_CNT_PORT, 2, &apm_ops, s, 0);
    piix4_pm_reset(&s->pci.dev);
    return s;
}

void piix4_pm_free(Piix4PmState *s)
{
    if (!s)
        return;
    timer_del(&s->overflow_timer);
    address_space_remove(s->io, s->pm_io);
    address_space_remove(s->io, s->apm_io);
    free(s);
}
