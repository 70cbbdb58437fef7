STEPS += 6
step6_DIR     := step6_compare_go
step6_TITLE   := Chapter 6: side by side with Go
step6_MAIN    := step6_compare_go/main.c
step6_LIB     := step6_compare_go/report.c step6_compare_go/loc.c
step6_TESTS   := $(wildcard step6_compare_go/tests/*.c)
step6_CFLAGS  := -Istep6_compare_go -DSTEP6_BUILD='"$(OUT)/step6"'
step6_BENCH   := ./step6
# The tour (make run) takes the quick run; the full comparison takes minutes.
step6_RUN     := ./step6 --quick

# The C twins of the Go programs in go/, one source each in c/, built
# from the same file against more than one runtime: step 5's goroutines
# (every twin), and a thread per goroutine where that tells the story:
# step 2's go() for spawn, step 4's channels for ping-pong.
step6_TWINS         := $(basename $(notdir $(wildcard step6_compare_go/c/*.c)))
step6_TWIN_PROGRAMS :=

# $(1): the variant (goroutines or threads); $(2): the step whose runtime
# is linked; $(3): the twins built so.
define step6_twin_rules
$(patsubst %,$(OUT)/step6/c/%-$(1).o,$(3)): \
        $(OUT)/step6/c/%-$(1).o: step6_compare_go/c/%.c $(BUILD_FILES)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $$(step$(2)_CFLAGS) -c -o $$@ $$<

$(patsubst %,$(OUT)/step6/c/%-$(1),$(3)): \
        $(OUT)/step6/c/%-$(1): $(OUT)/step6/c/%-$(1).o \
        $(patsubst %,$(OUT)/step$(2)/%.o,$(basename $(step$(2)_LIB))) \
        $(COMMON_OBJS)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(LDLIBS)

step6_TWIN_PROGRAMS += $(patsubst %,$(OUT)/step6/c/%-$(1),$(3))
endef
$(eval $(call step6_twin_rules,goroutines,5,$(step6_TWINS)))
$(eval $(call step6_twin_rules,threads,2,spawn))
$(eval $(call step6_twin_rules,threads,4,pingpong))

# Go's additions (goadds/: sysmon, preemption, the system-call hand-off,
# the network poller), linked with step 5's runtime: "step 5+goadds", a
# runtime of its own for the twins that show them (and for the tests of goadds). The runtime's
# code, step 5's and goadds', goes in a section of its own, "goruntime",
# so that the preemption signal's handler can tell it from the program's
# by address: the linker brackets a section whose name is a C identifier
# with __start_goruntime and __stop_goruntime. objcopy renames every
# code section gcc and clang may make (cold and hot parts, constructors).
GOADDS            := step6_compare_go/goadds
step5+goadds_DIR  := $(GOADDS)
step5+goadds_CFLAGS := $(step5_CFLAGS) -I$(GOADDS) -DGOADDS
step5+goadds_LIB  := $(step5_LIB) $(GOADDS)/sysmon.c $(GOADDS)/preempt.c \
                     $(GOADDS)/syscall.c $(GOADDS)/instrument.c \
                     $(GOADDS)/netpoll.c $(GOADDS)/net.c \
                     $(GOADDS)/preempt_$(ARCH).S
GOADDS_OUT        := $(OUT)/step5+goadds
OBJCOPY           := $(if $(filter aarch64,$(ARCH)),aarch64-linux-gnu-objcopy,objcopy)
GOADDS_TEXT       := $(foreach s,.text .text.unlikely .text.hot .text.startup \
                       .text.exit,--rename-section \
                       $(s)=goruntime,alloc,load,readonly,code,contents)
GOADDS_OBJS       := $(patsubst %,$(GOADDS_OUT)/%.o,$(basename $(step5+goadds_LIB)))

$(GOADDS_OUT)/step5_cooperative/%.o: $(OUT)/step5/step5_cooperative/%.o
	@mkdir -p $(@D)
	$(OBJCOPY) $(GOADDS_TEXT) $< $@

$(GOADDS_OUT)/$(GOADDS)/%.o: $(GOADDS)/%.c $(BUILD_FILES)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(step5+goadds_CFLAGS) -c -o $@ $<
	$(OBJCOPY) $(GOADDS_TEXT) $@

$(GOADDS_OUT)/$(GOADDS)/%.o: $(GOADDS)/%.S $(BUILD_FILES)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(step5+goadds_CFLAGS) -c -o $@ $<
	$(OBJCOPY) $(GOADDS_TEXT) $@

# The twins that show what goadds changes, on step 5 + goadds.
$(eval $(call step6_twin_rules,goadds,5+goadds,preempt handoff))

# The tests of goadds (tests/test_goadds_*.c) run in test_step6, on
# step 5 + goadds: its objects are linked into it.
step6_CFLAGS += $(step5+goadds_CFLAGS)
$(OUT)/step6/test_step6: $(GOADDS_OBJS)

# Go's preemption before 1.14, a check at every function's entry
# (goadds/instrument.c), on the one test file that shows it.
$(OUT)/step6/step6_compare_go/tests/test_goadds_oldway.o: \
    step6_CFLAGS += -finstrument-functions

# Built with ./step6 and its tests; order-only, so not linked into them.
$(OUT)/step6/step6 $(OUT)/step6/test_step6: | $(step6_TWIN_PROGRAMS)

# `make step6` also copies the twins to a place that does not depend on
# the compiler, step6_bin/c/, as it copies the program to ./step6; the
# README runs them there. (./step6 builds the Go programs in step6_bin/go/.)
.PHONY: step6_bin
step6: step6_bin
step6_bin: $(step6_TWIN_PROGRAMS)
	@mkdir -p step6_bin/c
	@cp $^ step6_bin/c/

# The chart's log scale needs libm.
$(OUT)/step6/step6 $(OUT)/step6/test_step6: private LDLIBS += -lm

# The echo race: our server (a goroutine per connection on the network
# poller of goadds/), a thread per connection (step 2's go()), and the
# load generator. Our server links step 5 and the poller alone: sysmon
# and preemption are not what the race measures, and chapter 6's figures
# were measured so. Compiled as step 5 is (they run on goroutine stacks).
step6_NET_OBJS := $(OUT)/step6/goadds/netpoll.o $(OUT)/step6/goadds/net.o
$(step6_NET_OBJS): $(OUT)/step6/goadds/%.o: step6_compare_go/goadds/%.c \
                   $(BUILD_FILES)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(step5_CFLAGS) -c -o $@ $<
step6_ECHO := $(OUT)/step6/c/echo-goroutines $(OUT)/step6/c/echo-threads \
              $(OUT)/step6/c/loadgen
$(OUT)/step6/c/echo-goroutines.o: private step6_ECHO_CFLAGS := \
                                        $(step5_CFLAGS) -I$(GOADDS)
$(OUT)/step6/c/echo-threads.o: private step6_ECHO_CFLAGS := -Istep2_go_macro
$(OUT)/step6/c/loadgen.o: private step6_ECHO_CFLAGS :=
$(OUT)/step6/c/echo-goroutines.o: step6_compare_go/c/echo/echo.c $(BUILD_FILES)
$(OUT)/step6/c/echo-threads.o: step6_compare_go/c/echo/echo_threads.c \
                               $(BUILD_FILES)
$(OUT)/step6/c/loadgen.o: step6_compare_go/c/echo/loadgen.c $(BUILD_FILES)
$(OUT)/step6/c/echo-goroutines.o $(OUT)/step6/c/echo-threads.o \
$(OUT)/step6/c/loadgen.o:
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(step6_ECHO_CFLAGS) -c -o $@ $<
$(OUT)/step6/c/echo-goroutines: $(OUT)/step6/c/echo-goroutines.o \
        $(step6_NET_OBJS) \
        $(patsubst %,$(OUT)/step5/%.o,$(basename $(step5_LIB))) \
        $(COMMON_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
$(OUT)/step6/c/echo-threads: $(OUT)/step6/c/echo-threads.o \
        $(patsubst %,$(OUT)/step2/%.o,$(basename $(step2_LIB))) \
        $(COMMON_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
$(OUT)/step6/c/loadgen: $(OUT)/step6/c/loadgen.o $(COMMON_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
step6_bin: $(step6_ECHO)
$(OUT)/step6/step6 $(OUT)/step6/test_step6: | $(step6_ECHO)
