// deepstack: a goroutine recurses n calls deep with a 1 KiB frame each.
// Go's stacks start at 2 KiB and grow by copying (up to 1 GB), so this
// works; a fixed-size goroutine stack runs into its guard page.
package main

import (
	"fmt"
	"sync"

	"step6/size"
)

// down keeps a 1 KiB array alive across the call, so every level has a
// frame of its own on the stack.
func down(n int) int {
	var pad [128]int
	pad[n%128] = n
	if n == 0 {
		return 0
	}
	return down(n-1) + pad[n%128] - n + 1
}

func main() {
	n := size.Arg(100000)
	var depth int
	var done sync.WaitGroup
	done.Add(1)
	go func() {
		depth = down(n)
		done.Done()
	}()
	done.Wait()
	fmt.Printf("recursed %d calls deep in a goroutine\n", depth)
}
