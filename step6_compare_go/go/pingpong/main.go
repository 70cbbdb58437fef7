// pingpong: main and one goroutine pass a number back and forth on two
// unbuffered channels, n round trips. Each trip is two blocking hand-offs.
package main

import (
	"fmt"

	"step6/size"
)

func ponger(ping <-chan int, pong chan<- int) {
	for v := range ping {
		pong <- v + 1
	}
}

func main() {
	n := size.Arg(1000000)
	ping, pong := make(chan int), make(chan int)
	go ponger(ping, pong)
	v := 0
	for i := 0; i < n; i++ {
		ping <- v
		v = <-pong
	}
	close(ping)
	fmt.Printf("%d round trips, last value %d\n", n, v)
}
