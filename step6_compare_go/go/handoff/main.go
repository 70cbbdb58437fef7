// handoff: one goroutine blocks for a second in read(2) on a pipe while
// n others compute; did they have to wait for the read? Go's sysmon takes
// the P of a thread that sits in a system call for 20 us and gives it to
// another thread (runtime.retake, handoffp), even at GOMAXPROCS=1. The C
// twin shows step 5 alone without that, and step 5+goadds with it.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"step6/size"
)

const blockMs = 1000
const work = 100000

func main() {
	n := size.Arg(100)
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		panic(err)
	}
	var readReturned atomic.Bool
	var waited atomic.Int64
	var wg sync.WaitGroup
	wg.Add(n + 1)
	go func() { // the writer
		time.Sleep(blockMs * time.Millisecond)
		syscall.Write(fds[1], []byte{'x'})
	}()
	go func() { // the reader: a raw system call, not the poller
		buf := make([]byte, 1)
		if k, err := syscall.Read(fds[0], buf); k != 1 || err != nil {
			panic("read")
		}
		readReturned.Store(true)
		wg.Done()
	}()
	time.Sleep(10 * time.Millisecond) // the reader is in read(2) by now
	for i := 0; i < n; i++ {
		go func() {
			x := uint64(1)
			for i := 0; i < work; i++ {
				x = x*6364136223846793005 + 1442695040888963407
			}
			if x == 0 {
				fmt.Println("impossible") // keeps the loop
			}
			if readReturned.Load() {
				waited.Add(1)
			}
			wg.Done()
		}()
	}
	wg.Wait()
	if waited.Load() == 0 {
		fmt.Printf("%d goroutines computed while one sat in read(2) for "+
			"%d ms: none waited for it\n", n, blockMs)
	} else {
		fmt.Printf("starved: %d of %d goroutines waited %d ms for a "+
			"read(2): its P was held for the whole call (no hand-off)\n",
			waited.Load(), n, blockMs)
	}
}
