/* The board's ACPI tables (acpi_build.c) handed to firmware through fw_cfg, as QEMU
 * does: "etc/acpi/tables" (every table but the RSDP), "etc/acpi/rsdp", and the
 * "etc/table-loader" script (bios_linker.h) that allocates both, relocates each pointer
 * between tables and fixes the checksums, so SeaBIOS or OVMF can install them. */
#ifndef PACIFICA_HW_ACPI_FW_CFG_H
#define PACIFICA_HW_ACPI_FW_CFG_H

#include <stdbool.h>

#include "hw/acpi_build.h"
#include "hw/fw_cfg.h"

#define ACPI_FW_CFG_TABLES "etc/acpi/tables"
#define ACPI_FW_CFG_RSDP   "etc/acpi/rsdp"
#define ACPI_FW_CFG_LOADER "etc/table-loader"

/* Adds the three files; false (with nothing added) if the tables cannot be built. */
bool acpi_fw_cfg_install(FwCfgState *fw, const AcpiBoardInfo *info);

#endif
