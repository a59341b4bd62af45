/* The PIIX4 power-management function (PCI 0:1.3) as the PC's ACPI hardware: PM1
 * event/control registers, the 24-bit ACPI PM timer, GPE0, SCI on ISA IRQ 9, sleep
 * control (S5 powers off), and the APM control port 0xB2 through which the OS enables
 * ACPI mode (82371AB datasheet §7; ACPI 6.4 §4.8). */
#ifndef PACIFICA_HW_PIIX4_PM_H
#define PACIFICA_HW_PIIX4_PM_H

#include "hw/pci.h"
#include "system/clock.h"
#include "system/irq.h"

#define PIIX4_PM_DEFAULT_BASE 0x600 /* where firmware (and Pacifica for direct boot) maps it */
#define PIIX4_PM_IO_SIZE      64
#define PIIX4_APM_CNT_PORT    0xb2
#define ACPI_ENABLE_CMD       0xf1
#define ACPI_DISABLE_CMD      0xf0
#define ACPI_PM_TIMER_HZ      3579545

typedef struct Piix4PmState {
    PciDevice pci;
    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint16_t gpe_sts, gpe_en;
    uint8_t apm_cnt, apm_sts;
    uint8_t sci_level;
    VirtualClock *clock;
    Timer overflow_timer; /* next PM timer bit 23 change, while TMROF_EN */
    IrqLine sci;
    MemoryRegion *pm_io, *apm_io;
    AddressSpace *io;
    const Log *log;
    void (*power_off)(void *opaque);
    void *power_off_opaque;
} Piix4PmState;

Piix4PmState *piix4_pm_new(PciBus *bus, AddressSpace *io, VirtualClock *clock, IrqLine sci,
                           void (*power_off)(void *opaque), void *opaque, const Log *log);
void piix4_pm_free(Piix4PmState *s);
/* What firmware does at boot: the PM I/O block at base, decoding on. */
void piix4_pm_firmware_setup(Piix4PmState *s, uint16_t base);
/* The power button (QMP system_powerdown): PWRBTN_STS and an SCI if enabled. */
void piix4_pm_power_button(Piix4PmState *s);
/* The PM timer value (24 bits) now. */
uint32_t piix4_pm_timer(const Piix4PmState *s);

#endif
