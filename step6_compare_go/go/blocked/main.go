// blocked: n goroutines wait on one channel at the same time, then main
// closes it and they all finish. Peak memory / n is what one parked
// goroutine costs: its stack and its descriptor.
package main

import (
	"fmt"
	"sync"

	"step6/size"
)

func waiter(ch <-chan int, started, done *sync.WaitGroup) {
	started.Done()
	<-ch
	done.Done()
}

func main() {
	n := size.Arg(100000)
	ch := make(chan int)
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go waiter(ch, &started, &done)
	}
	started.Wait() // all n are on their way to block in <-ch
	close(ch)
	done.Wait()
	fmt.Printf("%d goroutines blocked on one channel, then released\n", n)
}
