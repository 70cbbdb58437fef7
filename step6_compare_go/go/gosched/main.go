// gosched: two goroutines hand the processor to each other n times each
// with runtime.Gosched. At GOMAXPROCS=1 every call is a switch.
package main

import (
	"fmt"
	"runtime"
	"sync"

	"step6/size"
)

func yielder(n int, wg *sync.WaitGroup) {
	for i := 0; i < n; i++ {
		runtime.Gosched()
	}
	wg.Done()
}

func main() {
	n := size.Arg(5000000)
	var wg sync.WaitGroup
	wg.Add(2)
	go yielder(n, &wg)
	go yielder(n, &wg)
	wg.Wait()
	fmt.Printf("2 goroutines yielded %d times each\n", n)
}
