// Command floor is the whole-process benchmark's baseline: the least any
// credential helper written in Go can do for a cached get. It reads its
// standard input, reads one small file (the path in its only argument) and
// writes that file to standard output. The benchmark builds it with the
// release flags and quotes the helper's times as ratios to it, which
// cancels out most of what the machine adds to every exec.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: floor FILE < request")
		os.Exit(2)
	}
	if _, err := io.ReadAll(os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	os.Stdout.Write(b)
}
