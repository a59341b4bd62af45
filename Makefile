# Pacifica: one non-recursive Makefile. Objects go to build/.
# make [all] | check | run | run-demo | clean      (V=1 shows commands)

-include config.mak

CC ?= cc
BUILD ?= build
CFLAGS_BASE := -std=gnu11 -Wall -Wextra -O2 -g -pthread -I. -I$(BUILD) -MMD -MP
ifeq ($(WERROR),1)
CFLAGS_BASE += -Werror
endif
ALL_CFLAGS := $(CFLAGS_BASE) $(DEP_CFLAGS) $(CFLAGS)
LIBS := $(DEP_LIBS) -pthread -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

SRC_DIRS := system cpu/x86 tcg tcg/x86_64 accel hw block net ui monitor gdbstub
SRCS := $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c))
LIB_SRCS := $(filter-out system/main.c,$(SRCS))
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
GUEST_SRCS := $(wildcard tests/guest/*.asm)
GUEST_BINS := $(patsubst tests/guest/%.asm,$(BUILD)/tests/guest/%.bin,$(GUEST_SRCS))

.PHONY: all check run run-demo clean setup distclean tests images check-linux run-linux
.DEFAULT_GOAL := all

all: $(BUILD)/pacifica

# Installs missing Debian packages (as root) and configures when needed.
setup:
	$(Q)sh scripts/install-deps.sh
	$(Q)if [ ! -f config.mak ] || [ configure -nt config.mak ]; then ./configure; fi

$(BUILD)/%.o: %.c $(wildcard config.mak)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libpacifica.a: $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/pacifica: $(BUILD)/system/main.o $(BUILD)/libpacifica.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libpacifica.a \
                    $(wildcard config.mak)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST-CC $<")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libpacifica.a $(LIBS)

$(BUILD)/tests/guest/%.bin: tests/guest/%.asm $(wildcard tests/guest/*.inc)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)nasm -f bin -I tests/guest/ -o $@ $<

tests: $(BUILD)/pacifica $(UNIT_BINS) $(GUEST_BINS)

check: setup
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)sh tests/run-all.sh

# Debian's kernel with a busybox shell on the serial console (tests/images/); "exit"
# or "poweroff" ends it. RUN_ARGS adds emulator options, e.g. RUN_ARGS="-smp 4".
run: run-linux

# The demo ROM: greets on COM1 and powers off.
run-demo: setup
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/guest/hello.bin
	@# The demo ROM ends through isa-debug-exit with value 0, i.e. exit status 1.
	$(Q)$(BUILD)/pacifica -bios $(BUILD)/tests/guest/hello.bin -nographic; \
	  status=$$?; [ $$status -eq 1 ] || { echo "demo ROM exited with status $$status"; exit 1; }

# Guest images from Debian's packages, cached outside git (tests/images/README.md).
images:
	$(Q)sh tests/images/build.sh

# Debian's kernel booted directly: 1, 2, 4 vCPUs, gdb on it (tests/gdb/linux-gdb.sh), then
# the platform variants and the TSC-deadline APIC timer of -cpu x86-64-v3 (make check
# runs one -smp 2 boot and the shell of make run).
check-linux: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh tests/e2e/linux-boot.sh --smp 1,2,4
	$(Q)sh tests/gdb/linux-gdb.sh
	$(Q)sh tests/e2e/linux-boot.sh --smp 2 --variant noapic --variant nolapic \
	  --variant acpi=off --variant clocksource=hpet --variant clocksource=acpi_pm
	$(Q)sh tests/e2e/linux-boot.sh --smp 2 --cpu x86-64-v3
	$(Q)sh tests/e2e/disk.sh
	$(Q)sh tests/e2e/net.sh

# Debian's kernel with a busybox shell on the serial console.
run-linux: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh tests/images/run.sh $(RUN_ARGS)

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -f config.mak config.h

include tests/cpu-diff/cpu-diff.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
