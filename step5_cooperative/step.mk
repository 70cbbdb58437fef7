STEPS += 5
step5_DIR     := step5_cooperative
step5_TITLE   := Chapter 5: goroutines with stacks of their own
step5_MAIN    := step5_cooperative/main.c
step5_LIB     := step5_cooperative/sched.c step5_cooperative/stack.c \
                 step5_cooperative/timer.c step5_cooperative/sync.c \
                 step5_cooperative/chan.c \
                 step5_cooperative/switch_$(ARCH).S
# Step 4's tests run unchanged on our runtime (not those for threads only).
step5_TESTS   := $(wildcard step5_cooperative/tests/*.c) \
                 $(filter-out %threads_only.c,$(wildcard step4_channels/tests/*.c))
step5_CFLAGS  := -Istep5_cooperative
step5_TEST_ENVS := GOMAXPROCS=1 GOMAXPROCS=2 GOMAXPROCS=4 GOMAXPROCS=8 \
                   GOMAXPROCS=256
step5_BENCH   := ./step5 --bench
LDLIBS        += -lm  # fesetround in tests/test_switch.c
