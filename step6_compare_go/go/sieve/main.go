// sieve: the Go tour's concurrent prime sieve. A chain of filter
// goroutines, one per prime found, each passing on what its prime does
// not divide. Main returns with the chain still blocked, as in the tour.
package main

import (
	"fmt"

	"step6/size"
)

func generate(ch chan<- int) {
	for i := 2; ; i++ {
		ch <- i
	}
}

func filter(in <-chan int, out chan<- int, prime int) {
	for {
		if i := <-in; i%prime != 0 {
			out <- i
		}
	}
}

func main() {
	n := size.Arg(5000)
	ch := make(chan int)
	go generate(ch)
	prime := 0
	for i := 0; i < n; i++ {
		prime = <-ch
		next := make(chan int)
		go filter(ch, next, prime)
		ch = next
	}
	fmt.Printf("prime number %d is %d\n", n, prime)
}
