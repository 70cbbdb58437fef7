// echo: a TCP echo server, a goroutine per connection, as Go servers are
// written. Prints "listening on 127.0.0.1:PORT" and serves until killed.
// Each conn.Read with no data parks its goroutine in the network poller
// (runtime/netpoll.go); the C twin is ../../c/echo/echo.c.
package main

import (
	"fmt"
	"net"
	"os"
)

func handle(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintf(os.Stderr, "echo: takes no arguments, got '%s'\n",
			os.Args[1])
		os.Exit(2)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo: listen:", err)
		os.Exit(2)
	}
	fmt.Printf("listening on %s\n", l.Addr())
	for {
		c, err := l.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "echo: accept:", err)
			continue
		}
		go handle(c)
	}
}
