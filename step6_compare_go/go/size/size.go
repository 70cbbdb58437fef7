// Package size reads the one argument every program here takes: how much
// work to do. The harness passes the full size; the tests pass a small one.
package size

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Arg returns os.Args[1] as a whole number of at least 1, or def when no
// argument was given. Bad input: one line naming the program, exit 2.
func Arg(def int) int {
	if len(os.Args) < 2 {
		return def
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 {
		fmt.Fprintf(os.Stderr, "%s: size must be a whole number from 1,"+
			" got '%s'\n", filepath.Base(os.Args[0]), os.Args[1])
		os.Exit(2)
	}
	return n
}
