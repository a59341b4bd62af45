# CPU differential tests (tests/cpu-diff/README.md), included by the top-level Makefile:
#   include tests/cpu-diff/cpu-diff.mk
# Uses its BUILD, ALL_CFLAGS, LIBS and Q; the .c files are compiled by its generic rule.

CPUDIFF_SRCS := $(wildcard tests/cpu-diff/*.c)
CPUDIFF_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CPUDIFF_SRCS)) \
                $(BUILD)/tests/cpu-diff/native-stub.o
CPUDIFF_BIN := $(BUILD)/tests/cpu-diff/cpu-diff

$(BUILD)/tests/cpu-diff/%.o: tests/cpu-diff/%.S tests/cpu-diff/layout.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(CPUDIFF_BIN): $(CPUDIFF_OBJS) $(BUILD)/libpacifica.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(CPUDIFF_OBJS) $(BUILD)/libpacifica.a $(LIBS)

tests: $(CPUDIFF_BIN)
