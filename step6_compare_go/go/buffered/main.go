// buffered: a producer sends 0..n-1 through a channel of capacity 128 and
// main adds them up. Most sends and receives find room or a value waiting.
package main

import (
	"fmt"

	"step6/size"
)

func produce(n int, ch chan<- int) {
	for i := 0; i < n; i++ {
		ch <- i
	}
	close(ch)
}

func main() {
	n := size.Arg(10000000)
	ch := make(chan int, 128)
	go produce(n, ch)
	sum := 0
	for v := range ch {
		sum += v
	}
	fmt.Printf("%d values through a buffered channel, sum %d\n", n, sum)
}
