# tomo: one non-recursive GNU Makefile for libtomo, the tools, the tests.
# `make` builds everything into build/; `make CUDA=0` without the GPU
# back-end; `make check` runs every test; `make V=1` shows full commands.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
DESTDIR ?=

BUILD ?= build
VERSION := $(shell cat VERSION)
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))

# CUDA: on when nvcc is found (PATH or /usr/local/cuda), unless CUDA=0.
NVCC ?= $(or $(shell command -v nvcc 2>/dev/null),$(wildcard /usr/local/cuda/bin/nvcc))
ifeq ($(NVCC),)
CUDA ?= 0
else
CUDA ?= 1
endif
CUDA_HOME ?= $(patsubst %/bin/nvcc,%,$(NVCC))
CUDA_ARCH ?= 80 90

SANITIZE ?= 0

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := hdf5 libtiff-4 fftw3f libpng
# DEP_CFLAGS/DEP_LIBS from the environment win (scripts/gpu-env.sh sets them).
ifndef DEP_CFLAGS
DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null || echo -I/usr/include/hdf5/serial)
endif
ifndef DEP_LIBS
DEP_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || echo -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -ltiff -lfftw3f -lpng16)
endif
DEP_LIBS += -lfftw3f_threads

OPT ?= -O3
# Tuned for the machine that builds (vector width); ARCH= for a portable build.
ARCH ?= -march=native
CFLAGS ?= $(OPT) $(ARCH) -g
# Warnings are errors only for development and CI (WERROR=1, as git's
# DEVELOPER=1): a user's compiler may warn where ours does not.
WERROR ?= 0
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
NVCC_WERROR := ,-Werror --Werror all-warnings
endif
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -fPIC -fopenmp -Iinclude -Ikernels -Ilib \
	-DTOMO_VERSION='"$(VERSION)"' $(DEP_CFLAGS) $(WARN) $(CFLAGS)
ALL_LDFLAGS := -fopenmp $(LDFLAGS)
LIBS := $(DEP_LIBS) -lm

ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ALL_LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRCS := $(sort $(wildcard lib/*.c))
TOOL_SRCS := $(sort $(wildcard tools/tomo-*.c))
TOOLS := $(patsubst tools/%.c,%,$(TOOL_SRCS))
CU_SRCS := $(sort $(wildcard kernels/*.cu))
STUB_SRCS := $(sort $(wildcard kernels/*_stub.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
# The installed headers: tomo/tool.h is the tools' own, not libtomo's API.
PUBLIC_HEADERS := $(filter-out include/tomo/tool.h,$(sort $(wildcard include/tomo/*.h)))
# tomo-bench's measuring is the tool's, not libtomo's: tools/bench/*.c,
# with tools/bench/*.cu (nvcc) when CUDA=1, else their *_stub.c, linked
# into $(BUILD)/bin/tomo-bench alone.
BENCH_SRCS := $(filter-out %_stub.c,$(sort $(wildcard tools/bench/*.c)))
ifeq ($(CUDA),1)
BENCH_SRCS += $(sort $(wildcard tools/bench/*.cu))
else
BENCH_SRCS += $(sort $(wildcard tools/bench/*_stub.c))
endif
BENCH_OBJS := $(patsubst tools/%,$(BUILD)/obj/tools/%.o,$(basename $(BENCH_SRCS)))

ifeq ($(CUDA),1)
KERNEL_OBJS := $(patsubst kernels/%.cu,$(BUILD)/obj/kernels/%.o,$(CU_SRCS))
ALL_CFLAGS += -DTOMO_HAVE_CUDA
LIBS += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcufft -lcudart_static -ldl -lrt -lpthread -lstdc++
NVCC_GENCODE := $(foreach a,$(CUDA_ARCH),-gencode arch=compute_$(a),code=sm_$(a))
NVCC_FLAGS := -O3 -std=c++17 $(NVCC_GENCODE) -Iinclude -Ikernels -Ilib \
	-Xcompiler -fPIC,-Wall,-Wextra,-Wno-unused-parameter$(NVCC_WERROR) \
	-lineinfo $(NVCCFLAGS)
else
KERNEL_OBJS := $(patsubst kernels/%.c,$(BUILD)/obj/kernels/%.o,$(STUB_SRCS))
endif

LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/obj/lib/%.o,$(LIB_SRCS)) $(KERNEL_OBJS)
STATIC_LIB := $(BUILD)/lib/libtomo.a
SHARED_LIB := $(BUILD)/lib/libtomo.so.$(VERSION)
BINS := $(patsubst %,$(BUILD)/bin/%,$(TOOLS))
UNITS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
# Objects of programs are intermediate files to make: keep them, or every
# change to libtomo recompiles every tool and test.
.SECONDARY: $(patsubst tools/%.c,$(BUILD)/obj/tools/%.o,$(TOOL_SRCS)) $(BENCH_OBJS) \
	$(patsubst tests/unit/%.c,$(BUILD)/obj/tests/%.o,$(UNIT_SRCS))

ifeq ($(V),1)
Q :=
quiet = @:
else
Q := @
quiet = @printf '  %-7s %s\n' $(1) $(2)
endif

.DELETE_ON_ERROR:
.PHONY: FORCE all check check-unit check-bats check-gpu check-man check-install check-asan \
	install uninstall clean demo bench deps

all: $(BINS) $(STATIC_LIB) $(SHARED_LIB) $(UNITS) $(BUILD)/tomo.pc

# libtomo's own objects (lib/, kernels/) hide every symbol that no public
# header declares with TOMO_API (tomo/api.h), so libtomo.so exports its API
# alone; the tools and tests link libtomo.a and keep their symbols.
LIB_VISIBILITY := -fvisibility=hidden

# Rebuild everything when the configuration (flags, CUDA on/off) changes.
CONFIG := $(ALL_CFLAGS) $(LIB_VISIBILITY) | $(CUDA) | $(NVCC_FLAGS) | $(LIBS)
$(BUILD)/config: FORCE
	@mkdir -p $(@D)
	@if [ "$$(cat $@ 2>/dev/null)" != '$(CONFIG)' ]; then echo '$(CONFIG)' > $@; fi
FORCE:

$(BUILD)/obj/lib/%.o $(BUILD)/obj/kernels/%.o: ALL_CFLAGS += $(LIB_VISIBILITY)
$(BUILD)/obj/kernels/%.o: NVCC_FLAGS += -Xcompiler $(LIB_VISIBILITY)

$(BUILD)/obj/lib/%.o: lib/%.c $(BUILD)/config
	$(call quiet,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/kernels/%.o: kernels/%.c $(BUILD)/config
	$(call quiet,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/kernels/%.o: kernels/%.cu $(BUILD)/config
	$(call quiet,NVCC,$<)
	@mkdir -p $(@D)
	$(Q)$(NVCC) $(NVCC_FLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tools/%.o: tools/%.c $(BUILD)/config
	$(call quiet,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tools/%.o: tools/%.cu $(BUILD)/config
	$(call quiet,NVCC,$<)
	@mkdir -p $(@D)
	$(Q)$(NVCC) $(NVCC_FLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/%.o: tests/unit/%.c $(BUILD)/config
	$(call quiet,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The phantom's inner loop takes square roots of non-negative numbers and
# never reads errno: without errno the loop vectorizes (3x faster).
$(BUILD)/obj/lib/phantom.o: ALL_CFLAGS += -fno-math-errno
# The Fourier method's kernel weights are polynomials: fused multiply-adds
# halve Horner's chain (the GPU fuses them too).
$(BUILD)/obj/lib/fbp_fourier.o: ALL_CFLAGS += -ffp-contract=fast

$(STATIC_LIB): $(LIB_OBJS)
	$(call quiet,AR,$@)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(SHARED_LIB): $(LIB_OBJS)
	$(call quiet,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -shared -Wl,-soname,libtomo.so.$(SOMAJOR) \
		$(ALL_LDFLAGS) -o $@ $^ $(LIBS)
	$(Q)ln -sf libtomo.so.$(VERSION) $(BUILD)/lib/libtomo.so.$(SOMAJOR)
	$(Q)ln -sf libtomo.so.$(VERSION) $(BUILD)/lib/libtomo.so

$(BUILD)/bin/%: $(BUILD)/obj/tools/%.o $(STATIC_LIB)
	$(call quiet,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(STATIC_LIB) $(LIBS)

$(BUILD)/bin/tomo-bench: $(BENCH_OBJS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(STATIC_LIB)
	$(call quiet,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(STATIC_LIB) $(LIBS)

# tomo-fbp's GPU back-ends (direct and Fourier) compiled for the CPU
# (tests/unit/cuda_emu: kernels run as loops, cuFFT as FFTW), so that
# test_fbp_gpu checks them without a GPU.
CXX ?= c++
EMU_CXXFLAGS := -x c++ -std=c++17 -fPIC -Itests/unit/cuda_emu -Iinclude -Ikernels -Ilib \
	$(DEP_CFLAGS) $(WARN:-Wstrict-prototypes=) -Wno-unknown-pragmas -O1 -g \
	$(filter -fsanitize=% -fno-omit-frame-pointer -fno-sanitize-recover=%,$(ALL_CFLAGS))
$(BUILD)/obj/tests/fbp_emu.o: kernels/fbp.cu $(wildcard tests/unit/cuda_emu/*.h) $(BUILD)/config
	$(call quiet,CXX,$<)
	@mkdir -p $(@D)
	$(Q)$(CXX) $(EMU_CXXFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/fourier_emu.o: kernels/fourier.cu $(wildcard tests/unit/cuda_emu/*.h) \
		$(BUILD)/config
	$(call quiet,CXX,$<)
	@mkdir -p $(@D)
	$(Q)$(CXX) $(EMU_CXXFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/test_fbp_gpu: $(BUILD)/obj/tests/test_fbp_gpu.o $(BUILD)/obj/tests/fbp_emu.o \
		$(BUILD)/obj/tests/fourier_emu.o $(STATIC_LIB)
	$(call quiet,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CXX) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(STATIC_LIB) $(LIBS)

# libdir and includedir relative to ${prefix} when they are under it, so that
# pkg-config --define-prefix finds a relocated (DESTDIR) installation.
# Remade every time: it follows PREFIX, which objects do not depend on.
$(BUILD)/tomo.pc: tomo.pc.in VERSION FORCE
	@mkdir -p $(@D)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
		-e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
		-e 's|@VERSION@|$(VERSION)|; s|@LIBS@|$(LIBS)|' $< > $@

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# The fuzz harnesses: `make fuzz`, and their regressions replayed by every build.
include tests/fuzz/fuzz.mk

# Debian packages the build and the tests need (installed when root).
deps:
	@scripts/install-deps

# Every test: C unit tests, then Bats; ends with "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/run-tests

check-unit: all
	@BUILD=$(BUILD) tests/run-tests --unit

check-bats: all
	@BUILD=$(BUILD) tests/run-tests --bats

# The accelerated cases must run on the GPU (no skipping on exit 3).
check-gpu: all
	@BUILD=$(BUILD) TOMO_DEVICE=gpu TOMO_REQUIRE_GPU=1 tests/run-tests

# Unit tests and the Bats subset under AddressSanitizer + UBSan (CUDA=0),
# leaks included: no suppression is needed (libgomp's thread pool and FFTW's
# threads stay reachable at exit, so LeakSanitizer does not report them).
# A sanitizer finding exits 86 (ASan, LSan) or 87 (UBSan), never 1, 2 or 3,
# so a test expecting a tool's own failure cannot mistake one for it.
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
check-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan CUDA=0 SANITIZE=1 OPT=-O1 all
	@BUILD=build-asan $(SAN_ENV) tests/run-tests --sanitize

check-man:
	@for m in man/*.1 man/*.7; do \
		out=$$(LC_ALL=C.UTF-8 MANWIDTH=80 groff -man -ww -z $$m 2>&1); \
		if [ -n "$$out" ]; then echo "$$m: $$out"; exit 1; fi; done; echo "man pages clean"

check-install: all
	@BUILD=$(BUILD) tests/check-install

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/tomo \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(STATIC_LIB) $(DESTDIR)$(LIBDIR)
	install -m 755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)
	ln -sf libtomo.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libtomo.so.$(SOMAJOR)
	ln -sf libtomo.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libtomo.so
	install -m 644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCLUDEDIR)/tomo
	install -m 644 $(BUILD)/tomo.pc $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/*.7 $(DESTDIR)$(MANDIR)/man7
	install -m 644 completions/tomo.bash $(DESTDIR)$(BASHCOMPDIR)/tomo
	for t in $(TOOLS); do ln -sf tomo $(DESTDIR)$(BASHCOMPDIR)/$$t; done
	install -m 644 completions/_tomo $(DESTDIR)$(ZSHCOMPDIR)/_tomo

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(TOOLS))
	rm -f $(DESTDIR)$(LIBDIR)/libtomo.a $(DESTDIR)$(LIBDIR)/libtomo.so \
		$(DESTDIR)$(LIBDIR)/libtomo.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/libtomo.so.$(VERSION)
	rm -rf $(DESTDIR)$(INCLUDEDIR)/tomo
	rm -f $(DESTDIR)$(PKGCONFIGDIR)/tomo.pc
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man1/%,$(wildcard man/*.1))
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man7/%,$(wildcard man/*.7))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/tomo $(addprefix $(DESTDIR)$(BASHCOMPDIR)/,$(TOOLS))
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_tomo

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/demo

bench: all
	@BUILD=$(BUILD) bench/run $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) build-asan build-golden
	-git worktree prune 2>/dev/null
