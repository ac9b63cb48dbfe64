package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	var opts options
	flag.StringVar(&opts.bin, "bin", "bin", "directory holding docker-credential-ecrlogin and ecrlogin (make build puts them in bin)")
	flag.StringVar(&opts.engine, "engine", "auto", "push and pull with: auto (the Docker engine when possible), docker, or client (go-containerregistry)")
	flag.Parse()
	if flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	// Ctrl-C cancels the demo; run still stops everything it started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The demo's own settings go into this process's environment, from
	// which the helper, docker and the registry client inherit them.
	setenv := func(k, v string) { _ = os.Setenv(k, v) }
	if err := run(ctx, opts, os.Stdout, setenv); err != nil {
		if ctx.Err() != nil {
			err = errors.New("interrupted; everything it started has been stopped and removed")
		}
		fmt.Fprintln(os.Stderr, "demo:", err)
		stop()
		os.Exit(1)
	}
}
