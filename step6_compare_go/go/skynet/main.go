// skynet: every goroutine starts 10 children until there are n leaves;
// leaf i sends i, each parent sends the sum of its children up. With
// n = 1,000,000 that is 1,111,111 goroutines and as many channels.
package main

import (
	"fmt"

	"step6/size"
)

func skynet(out chan<- int, num, leaves int) {
	if leaves == 1 {
		out <- num
		return
	}
	in := make(chan int)
	for i := 0; i < 10; i++ {
		go skynet(in, num+i*leaves/10, leaves/10)
	}
	sum := 0
	for i := 0; i < 10; i++ {
		sum += <-in
	}
	out <- sum
}

func main() {
	n := size.Arg(1000000) // a power of 10
	out := make(chan int)
	go skynet(out, 0, n)
	fmt.Printf("skynet of %d leaves: %d\n", n, <-out)
}
