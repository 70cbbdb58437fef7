// fanout: count the primes below n by trial division, cut into 64 pieces
// run by 64 goroutines. Pure CPU work: the speed-up from GOMAXPROCS=1 to
// all CPUs shows how well the scheduler spreads it.
package main

import (
	"fmt"

	"step6/size"
)

const pieces = 64

func isPrime(k int) bool {
	if k < 2 {
		return false
	}
	for d := 2; d*d <= k; d++ {
		if k%d == 0 {
			return false
		}
	}
	return true
}

func count(from, to int, out chan<- int) {
	c := 0
	for k := from; k < to; k++ {
		if isPrime(k) {
			c++
		}
	}
	out <- c
}

func main() {
	n := size.Arg(3000000)
	out := make(chan int)
	for p := 0; p < pieces; p++ {
		go count(n*p/pieces, n*(p+1)/pieces, out)
	}
	total := 0
	for p := 0; p < pieces; p++ {
		total += <-out
	}
	fmt.Printf("%d primes below %d\n", total, n)
}
