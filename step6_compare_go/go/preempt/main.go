// preempt: one goroutine per P spins in a loop that calls nothing, and
// another sleeps a few milliseconds, then tells them to stop. It can only
// wake up if the runtime takes a P away from a spinner: Go's sysmon does
// after 10 ms (asynchronous preemption, Go 1.14). A cooperative runtime
// never does; the C version detects that with a watchdog.
package main

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"step6/size"
)

func spin(stop *atomic.Bool, wg *sync.WaitGroup) {
	for !stop.Load() {
	}
	wg.Done()
}

func sleeper(ms int, stop *atomic.Bool, wg *sync.WaitGroup) {
	time.Sleep(time.Duration(ms) * time.Millisecond)
	stop.Store(true)
	wg.Done()
}

func main() {
	ms := size.Arg(10) // how long the sleeper sleeps, in milliseconds
	procs := runtime.GOMAXPROCS(0)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(procs + 1)
	for i := 0; i < procs; i++ {
		go spin(&stop, &wg)
	}
	go sleeper(ms, &stop, &wg)
	wg.Wait()
	fmt.Printf("the sleeper woke up: GOMAXPROCS=%d spinners were "+
		"preempted\n", procs)
}
