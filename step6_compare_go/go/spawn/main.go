// spawn: start n goroutines that do nothing but say they are done, and
// wait for all of them. What one `go` statement costs, start to finish.
package main

import (
	"fmt"
	"sync"

	"step6/size"
)

func work(wg *sync.WaitGroup) {
	wg.Done()
}

func main() {
	n := size.Arg(1000000)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go work(&wg)
	}
	wg.Wait()
	fmt.Printf("%d goroutines spawned and joined\n", n)
}
