# tests/fuzz: included by the Makefile. Two builds of the harnesses:
# - every build links them without libFuzzer into $(BUILD)/tests/test_fuzz_replay,
#   a unit test that replays tests/fuzz/regressions/ (so `make check` and
#   `make check-asan` run every input that ever crashed a harness);
# - `make fuzz` builds libtomo, the tools and one libFuzzer binary per harness
#   with clang (ASan, UBSan; CUDA=0) into $(FUZZ_BUILD) and runs each target
#   FUZZ_SECONDS seconds (tests/fuzz/run: seeds, corpus, crashes).

FUZZ_TARGETS := nrrd nhdr raw npy tiff hdf5 scan
FUZZ_SECONDS ?= 60
FUZZ_BUILD ?= build-fuzz
FUZZ_JOBS ?= 1

FUZZ_REPLAY_OBJS := $(patsubst tests/fuzz/%.c,$(BUILD)/obj/tests/fuzz/%.o,tests/fuzz/fuzz.c \
	tests/fuzz/replay.c $(FUZZ_TARGETS:%=tests/fuzz/fuzz_%.c))
FUZZ_OBJS := $(patsubst %,$(BUILD)/obj/fuzz/%.o,fuzz $(FUZZ_TARGETS:%=fuzz_%))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
.SECONDARY: $(FUZZ_REPLAY_OBJS) $(FUZZ_OBJS)
.PHONY: fuzz fuzz-build

all: $(BUILD)/tests/test_fuzz_replay

$(BUILD)/obj/tests/fuzz/%.o: tests/fuzz/%.c $(BUILD)/config
	$(call quiet,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -DFUZZ_REPLAY -MMD -MP -c -o $@ $<

# libtomo's allocations go through replay.c's limit (libFuzzer's
# -malloc_limit_mb): a claimed size allocated before it is checked fails.
$(BUILD)/tests/test_fuzz_replay: $(FUZZ_REPLAY_OBJS) $(STATIC_LIB)
	$(call quiet,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -o $@ \
		$(filter %.o,$^) $(STATIC_LIB) $(LIBS)

# The libFuzzer build (only inside `make fuzz`, whose CFLAGS instrument
# libtomo for coverage).
$(BUILD)/obj/fuzz/%.o: tests/fuzz/%.c $(BUILD)/config
	$(call quiet,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: $(BUILD)/obj/fuzz/fuzz_%.o $(BUILD)/obj/fuzz/fuzz.o $(STATIC_LIB)
	$(call quiet,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $(filter %.o,$^) $(STATIC_LIB) $(LIBS)

fuzz-build: $(FUZZ_BINS) $(BINS)

FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined
fuzz:
	@tests/fuzz/run --deps
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang CUDA=0 WERROR=0 SANITIZE=0 \
		CFLAGS='$(FUZZ_CFLAGS)' LDFLAGS='-fsanitize=address,undefined' fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) \
		tests/fuzz/run $(FUZZ_TARGETS)
