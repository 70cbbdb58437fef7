// gosched: two goroutines hand the processor to each other n times each
// with runtime.Gosched. At GOMAXPROCS=1 every call is a switch. Both wait
// for one start signal, so that at GOMAXPROCS=2 each may run on a P of
// its own.
package main

import (
	"fmt"
	"runtime"
	"sync"

	"step6/size"
)

func yielder(n int, start, done *sync.WaitGroup) {
	start.Wait()
	for i := 0; i < n; i++ {
		runtime.Gosched()
	}
	done.Done()
}

func main() {
	n := size.Arg(5000000)
	var start, done sync.WaitGroup
	start.Add(1)
	done.Add(2)
	go yielder(n, &start, &done)
	go yielder(n, &start, &done)
	start.Done() // both start at once, wherever they were parked
	done.Wait()
	fmt.Printf("2 goroutines yielded %d times each\n", n)
}
