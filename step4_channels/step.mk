STEPS += 4
step4_DIR     := step4_channels
step4_TITLE   := Chapter 4: channels on OS threads
step4_MAIN    := step4_channels/main.c
step4_LIB     := step4_channels/go.c step4_channels/park.c \
                 step4_channels/timer.c step4_channels/sync.c \
                 step4_channels/chan.c step4_channels/pool.c
step4_TESTS   := $(wildcard step4_channels/tests/*.c)
step4_CFLAGS  := -Istep4_channels
step4_BENCH   := ./step4 --bench
