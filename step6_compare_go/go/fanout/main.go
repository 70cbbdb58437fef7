// fanout: count the primes below n by trial division, cut into 64 pieces
// run by 64 goroutines. Pure CPU work: the speed-up from GOMAXPROCS=1 to
// all CPUs shows how well the scheduler spreads it.
package main

import (
	"fmt"
	"sync"

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

func count(from, to int, out *int, wg *sync.WaitGroup) {
	c := 0
	for k := from; k < to; k++ {
		if isPrime(k) {
			c++
		}
	}
	*out = c
	wg.Done()
}

func main() {
	n := size.Arg(3000000)
	var counts [pieces]int
	var wg sync.WaitGroup
	wg.Add(pieces)
	for p := 0; p < pieces; p++ {
		go count(n*p/pieces, n*(p+1)/pieces, &counts[p], &wg)
	}
	wg.Wait()
	total := 0
	for _, c := range counts {
		total += c
	}
	fmt.Printf("%d primes below %d\n", total, n)
}
