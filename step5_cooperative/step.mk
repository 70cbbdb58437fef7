STEPS += 5
step5_DIR     := step5_cooperative
step5_TITLE   := Chapter 5: goroutines with stacks of their own
step5_MAIN    := step5_cooperative/main.c
step5_LIB     := step5_cooperative/sched.c step5_cooperative/runq.c \
                 step5_cooperative/galloc.c step5_cooperative/lock.c \
                 step5_cooperative/stack.c step5_cooperative/sysmon.c \
                 step5_cooperative/timer.c step5_cooperative/sync.c \
                 step5_cooperative/chan.c step5_cooperative/trace.c \
                 step5_cooperative/trace_svg.c \
                 step5_cooperative/switch_$(ARCH).S
# Step 4's tests run unchanged on our runtime (not those for threads only).
step5_TESTS   := $(wildcard step5_cooperative/tests/*.c) \
                 $(filter-out %threads_only.c,$(wildcard step4_channels/tests/*.c))
# A frame larger than a guard page must touch every page on its way down,
# or it can step over the guard (stack.c): -fstack-clash-protection, for
# everything that runs on a goroutine's stack. GCC for AArch64 assumes a
# 64 KiB guard unless told ours is 2^12 bytes (clang 14 cannot do AArch64).
step5_CFLAGS  := -Istep5_cooperative -fstack-clash-protection
ifeq ($(ARCH),aarch64)
step5_CFLAGS  += --param=stack-clash-protection-guard-size=12
endif
step5_TEST_ENVS := GOMAXPROCS=1 GOMAXPROCS=2 GOMAXPROCS=4 GOMAXPROCS=8 \
                   GOMAXPROCS=256
step5_BENCH   := ./step5 --bench
LDLIBS        += -lm  # fesetround in tests/test_switch.c
# Objects made before a change of the flags above are made again.
$(patsubst %,$(OUT)/step5/%.o,$(basename \
    $(step5_MAIN) $(step5_LIB) $(step5_TESTS))): step5_cooperative/step.mk
