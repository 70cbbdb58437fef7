// blocking: what Go does when goroutines block outside its channels
// (Go only: ours has no answer, see chapter 3's stalled pool).
//
// First n goroutines wait to read a pipe through the os package: Go parks
// them in its network poller (runtime.netpoll, epoll on Linux) and they
// hold no thread. Then n goroutines wait in a raw read(2) system call:
// each holds its thread, and sysmon hands its P to another thread
// (runtime.retake, runtime.handoffp) so that the rest keep running.
package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"step6/size"
)

// threads is the number of OS threads in this process, from the kernel.
func threads() string {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "Threads:") {
			return strings.TrimSpace(line[len("Threads:"):])
		}
	}
	return "?"
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func main() {
	n := size.Arg(100)
	var wg sync.WaitGroup
	one := []byte{1}

	writers := make([]*os.File, n)
	for i := range writers {
		r, w, err := os.Pipe()
		must(err)
		writers[i] = w
		wg.Add(1)
		go func() {
			r.Read(make([]byte, 1)) // parks in the poller
			wg.Done()
		}()
	}
	time.Sleep(100 * time.Millisecond) // time for all of them to block
	fmt.Printf("%d goroutines blocked on pipes, in the poller: %s threads\n",
		n, threads())
	for _, w := range writers {
		w.Write(one)
	}
	wg.Wait()

	fds := make([][2]int, n)
	for i := range fds {
		must(syscall.Pipe(fds[i][:]))
		wg.Add(1)
		go func(fd int) {
			syscall.Read(fd, make([]byte, 1)) // holds its thread
			wg.Done()
		}(fds[i][0])
	}
	time.Sleep(100 * time.Millisecond)
	fmt.Printf("%d goroutines blocked in read(2) system calls: %s threads\n",
		n, threads())
	for _, fd := range fds {
		syscall.Write(fd[1], one)
	}
	wg.Wait()
}
