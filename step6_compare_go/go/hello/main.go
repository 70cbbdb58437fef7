// hello: the example this tutorial started from. Two goroutines print a
// greeting while main sleeps; the sleep is not a join (chapter 2).
package main

import (
	"fmt"
	"time"

	"step6/size"
)

func hello(msg string) {
	fmt.Println(msg)
}

func main() {
	ms := size.Arg(1000) // how long main sleeps, in milliseconds
	go hello("hello from goroutine 1")
	go hello("hello from goroutine 2")
	time.Sleep(time.Duration(ms) * time.Millisecond)
}
