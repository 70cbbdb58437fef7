STEPS += 3
step3_DIR     := step3_tasks
step3_TITLE   := Chapter 3: tasks on a pool of threads, then work stealing
step3_MAIN    := step3_tasks/main.c
step3_LIB     := step3_tasks/pool.c step3_tasks/runq.c
step3_TESTS   := $(wildcard step3_tasks/tests/*.c)
step3_CFLAGS  := -Istep3_tasks
