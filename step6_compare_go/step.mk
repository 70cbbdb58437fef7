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
        $(OUT)/step6/c/%-$(1).o: step6_compare_go/c/%.c
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

# What Go adds, built on step 5 (goadds/): the network poller and a net
# package on it. Compiled as step 5 is (they run on goroutine stacks).
# The echo race: our server (a goroutine per connection on the poller),
# a thread per connection (step 2's go()), and the load generator.
step6_NET_SRCS := step6_compare_go/goadds/netpoll.c \
                  step6_compare_go/goadds/net.c
step6_NET_OBJS := $(patsubst step6_compare_go/goadds/%.c,\
                    $(OUT)/step6/goadds/%.o,$(step6_NET_SRCS))
step6_STEP5_OBJS := $(patsubst %,$(OUT)/step5/%.o,$(basename $(step5_LIB)))
$(step6_NET_OBJS): $(OUT)/step6/goadds/%.o: step6_compare_go/goadds/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(step5_CFLAGS) -c -o $@ $<

step6_ECHO := $(OUT)/step6/c/echo-goroutines $(OUT)/step6/c/echo-threads \
              $(OUT)/step6/c/loadgen
$(OUT)/step6/c/echo-goroutines.o $(OUT)/step6/c/echo-threads.o \
$(OUT)/step6/c/loadgen.o: private step6_ECHO_CFLAGS := $(step5_CFLAGS) \
                                        -Istep6_compare_go/goadds
$(OUT)/step6/c/echo-threads.o: private step6_ECHO_CFLAGS := -Istep2_go_macro
$(OUT)/step6/c/loadgen.o: private step6_ECHO_CFLAGS :=
$(OUT)/step6/c/echo-goroutines.o: step6_compare_go/c/echo/echo.c
$(OUT)/step6/c/echo-threads.o: step6_compare_go/c/echo/echo_threads.c
$(OUT)/step6/c/loadgen.o: step6_compare_go/c/echo/loadgen.c
$(OUT)/step6/c/echo-goroutines.o $(OUT)/step6/c/echo-threads.o \
$(OUT)/step6/c/loadgen.o:
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(step6_ECHO_CFLAGS) -c -o $@ $<
$(OUT)/step6/c/echo-goroutines: $(OUT)/step6/c/echo-goroutines.o \
        $(step6_NET_OBJS) $(step6_STEP5_OBJS) $(COMMON_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
$(OUT)/step6/c/echo-threads: $(OUT)/step6/c/echo-threads.o \
        $(patsubst %,$(OUT)/step2/%.o,$(basename $(step2_LIB))) \
        $(COMMON_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
$(OUT)/step6/c/loadgen: $(OUT)/step6/c/loadgen.o $(COMMON_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
step6_bin: $(step6_ECHO)
$(OUT)/step6/step6 $(OUT)/step6/test_step6: | $(step6_ECHO)

# The tests of net.h (tests/test_net.c) run on step 5's runtime.
$(OUT)/step6/step6_compare_go/tests/test_net.o: \
        private step6_CFLAGS += $(step5_CFLAGS) -Istep6_compare_go/goadds
$(OUT)/step6/test_step6: $(step6_NET_OBJS) $(step6_STEP5_OBJS)
