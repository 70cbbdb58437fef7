STEPS += 1
step1_DIR    := step1_threads
step1_TITLE  := Chapter 1: one goroutine, one OS thread
step1_MAIN   := step1_threads/main.c
step1_LIB    :=
step1_TESTS  := $(wildcard step1_threads/tests/*.c)
step1_CFLAGS := -Istep1_threads
