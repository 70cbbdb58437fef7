STEPS += 2
step2_DIR    := step2_go_macro
step2_TITLE  := Chapter 2: a go macro, and why sleep is not a join
step2_MAIN   := step2_go_macro/main.c
step2_LIB    := step2_go_macro/go.c
step2_TESTS  := $(wildcard step2_go_macro/tests/*.c)
step2_CFLAGS := -Istep2_go_macro
