# Build, run and test every step of the tutorial.
#
#   make stepN && ./stepN     build one step's program and run it
#   make run                  the tour: every step, one after another
#   make test                 every step's tests; last line "N passed, M failed"
#   make test STEP=3          step 3's tests only (no README check)
#   make test STEP=3 RUN=fifo step 3's tests whose name contains "fifo"
#   make test SAN=thread      the same under ThreadSanitizer
#   make test SAN=address     the same under AddressSanitizer + UBSan
#   make test CC=clang        the same built with clang
#   make test ARCH=aarch64    cross-built for 64-bit Arm, run under qemu-user
#   make diff A=1 B=2         what step 2 changed relative to step 1
#   make bench                the benchmarks (step 6 runs ours against Go)
#   make snippets             copy the quoted code from the sources into README
#   make outputs              rerun README's commands, write what they print
#
# Each step folder has a step.mk that names its sources and its tests; the
# rules below are the same for every step. Objects go to build/<config>/,
# one folder per architecture, compiler, sanitizer and extra flags, so
# switching between them never mixes objects. `make stepN` copies the
# program to ./stepN.

HOST_ARCH := $(shell uname -m)
ARCH ?= $(HOST_ARCH)
TEST_RUNNER :=
ifneq ($(ARCH),$(HOST_ARCH))
  ifeq ($(ARCH),aarch64)
    CC := aarch64-linux-gnu-gcc
    TEST_RUNNER := qemu-aarch64 -L /usr/aarch64-linux-gnu
  else
    $(error ARCH=$(ARCH) is not supported: use x86_64 or aarch64)
  endif
endif

ifeq ($(SAN),thread)
  SAN_FLAGS := -fsanitize=thread
  # TSan sleeps 1 s at exit by default, for threads still running then;
  # our tests end thousands of processes with their Ms still running.
  export TSAN_OPTIONS := atexit_sleep_ms=0 $(TSAN_OPTIONS)
else ifeq ($(SAN),address)
  SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
  # clang links ASan's runtime into the program's own text; gcc links it
  # as a shared library, as libc is. Shared, like gcc's, so that goadds'
  # preemption handler does not take its interceptors (memcpy, malloc,
  # regexec, with their locks) for the program's code (a test hung so:
  # step6_compare_go/goadds/preempt.c). It is not on the loader's path:
  # the program names its folder (rpath). TSan needs none of this: there
  # is no preemption by signal under it.
  ifneq ($(findstring clang,$(notdir $(firstword $(CC)))),)
    SAN_FLAGS += -shared-libsan
    SAN_LDFLAGS := -Wl,-rpath,$(shell $(CC) -print-runtime-dir)
  endif
else ifneq ($(SAN),)
  $(error SAN=$(SAN) is not supported: use SAN=thread or SAN=address)
endif

OPT := $(if $(SAN),-O1,-O2)
ALL_CFLAGS := -std=c11 -Wall -Wextra -Werror $(OPT) -g -pthread \
              -D_GNU_SOURCE -Icommon -MMD -MP $(SAN_FLAGS) $(CFLAGS)
ALL_LDFLAGS := -pthread $(SAN_FLAGS) $(SAN_LDFLAGS) $(LDFLAGS)
# On AArch64, x18 is left alone by all our code: asyncPreempt jumps back
# through it (step6_compare_go/goadds/preempt_aarch64.S says why). And
# atomics are inline, not calls to libgcc's helpers: those are linked
# into the program's text, where goadds' preemption handler would take
# a runtime lock being taken there for the program's own code.
ifeq ($(ARCH),aarch64)
  ALL_CFLAGS += -ffixed-x18 -mno-outline-atomics
endif

# Extra CFLAGS or LDFLAGS (make test CFLAGS=-O0) get a folder of their
# own, named by a short hash of them: objects built with other flags are
# never reused, and going back to earlier flags finds their objects again.
# (The subst escapes the single quotes in the flags for the shell.)
EXTRA_FLAGS := $(strip $(CFLAGS) $(LDFLAGS))
ifneq ($(EXTRA_FLAGS),)
  FLAGS_HASH := -$(shell printf '%s' '$(subst ','\'',$(EXTRA_FLAGS))' \
                         | md5sum | cut -c1-8)
endif
OUT := build/$(ARCH)-$(notdir $(firstword $(CC)))$(if $(SAN),-$(SAN))
OUT := $(OUT)$(FLAGS_HASH)

COMMON_OBJS := $(OUT)/common/common.o
TEST_OBJS := $(OUT)/common/test.o

# Every object depends on the build files too: a flag changed there (or
# pulled from git) rebuilds what it changes, as CFLAGS= does.
BUILD_FILES := Makefile $(sort $(wildcard step*/step.mk))

STEPS :=
include $(sort $(wildcard step*/step.mk))

# Object files of step $(1)'s sources $(2): build/<config>/step<N>/<path>.o.
# Each step compiles its sources with its own flags (step<N>_CFLAGS, such as
# -Istep4_channels), so two steps can compile the same file differently.
step_objs = $(patsubst %,$(OUT)/step$(1)/%.o,$(basename $(2)))

# The rules of step $(1): its objects, its program, its test program, and
# `make stepN`, which copies the program to ./stepN.
define step_rules
$(OUT)/step$(1)/%.o: %.c $(BUILD_FILES)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $$(step$(1)_CFLAGS) -c -o $$@ $$<

$(OUT)/step$(1)/%.o: %.S $(BUILD_FILES)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $$(step$(1)_CFLAGS) -c -o $$@ $$<

$(OUT)/step$(1)/step$(1): \
        $(call step_objs,$(1),$(step$(1)_MAIN) $(step$(1)_LIB)) $(COMMON_OBJS)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(LDLIBS)

$(OUT)/step$(1)/test_step$(1): \
        $(call step_objs,$(1),$(step$(1)_TESTS) $(step$(1)_LIB)) \
        $(COMMON_OBJS) $(TEST_OBJS)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(LDLIBS)

.PHONY: step$(1)
step$(1): $(OUT)/step$(1)/step$(1)
	@cp $$< $$@
endef
$(foreach n,$(STEPS),$(eval $(call step_rules,$(n))))

$(OUT)/common/%.o: common/%.c $(BUILD_FILES)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

.DEFAULT_GOAL := all
.PHONY: all run test bench diff snippets outputs clean

all: $(addprefix step,$(STEPS))

# A step may name a shorter run for the tour (step<N>_RUN, default ./stepN).
step_run = $(or $(step$(1)_RUN),./step$(1))
run: all
	@$(foreach n,$(STEPS),echo; \
	  echo "=== $(step$(n)_TITLE) ($(call step_run,$(n)))"; \
	  echo; $(call step_run,$(n)) &&) true

# STEP=N picks one step's tests, RUN=word the tests whose name contains
# it (the test programs take it as their argument: test.h); with either,
# the README's checks, which are no step's, are left out.
ifneq ($(filter test,$(MAKECMDGOALS)),)
  ifneq ($(filter-out $(STEPS),$(STEP)),)
    $(error STEP=$(STEP): no such step; the steps are $(STEPS))
  endif
endif
TEST_STEPS := $(or $(STEP),$(STEPS))
README_CHECK := $(if $(SAN)$(STEP)$(RUN),no,yes)
ifneq ($(ARCH),$(HOST_ARCH))
  README_CHECK := no
endif

# The README's commands run ./stepN: with its check, those are built too.
test: $(if $(filter yes,$(README_CHECK)),all) \
      $(foreach n,$(TEST_STEPS),$(OUT)/step$(n)/step$(n) \
                                $(OUT)/step$(n)/test_step$(n))
	@BUILD=$(OUT) TEST_RUNNER="$(TEST_RUNNER)" RUN="$(RUN)" \
	 $(foreach n,$(STEPS),TEST_ENVS_$(n)="$(step$(n)_TEST_ENVS)") \
	 TEST_SLOW=$(if $(SAN)$(TEST_RUNNER),1,0) \
	 README_CHECK=$(README_CHECK) \
	 sh common/run_tests.sh $(TEST_STEPS)

bench: all
	@$(foreach n,$(STEPS),$(if $(step$(n)_BENCH),$(step$(n)_BENCH) &&)) true

diff:
	@test -n "$(step$(A)_DIR)" -a -n "$(step$(B)_DIR)" || \
	  { echo "usage: make diff A=1 B=2 (steps: $(STEPS))"; exit 2; }
	@git diff --no-index --stat $(step$(A)_DIR) $(step$(B)_DIR) || true
	@git diff --no-index $(step$(A)_DIR) $(step$(B)_DIR) || true

snippets:
	@sh common/snippets.sh update README.md

# Every console block's command, run again on this machine (make test
# checks their shapes: common/outputs.sh). The programs are built first.
outputs: all
	@sh common/outputs.sh update README.md

clean:
	rm -rf build $(addprefix step,$(STEPS)) step6_bin

-include $(shell find $(OUT) -name "*.d" 2>/dev/null)
