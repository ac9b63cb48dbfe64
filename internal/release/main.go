package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	var opts options
	flag.StringVar(&opts.version, "version", "", "version to stamp and to name the archives with, vX.Y.Z[-suffix] (required for a release)")
	flag.StringVar(&opts.out, "out", "", "output directory (default dist, or bin/cross with -cross)")
	flag.BoolVar(&opts.buildOnly, "cross", false, "only build the binaries for every platform, into OUT/OS-ARCH/")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "release: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if opts.out == "" {
		opts.out = "dist"
		if opts.buildOnly {
			opts.out = "bin/cross"
		}
	}
	// A cross build takes any stamp (make passes git describe's, such as
	// 1a2b3c4-dirty); a release must be named by a version.
	check := checkVersion
	if opts.buildOnly {
		check = checkStamp
		if opts.version == "" {
			opts.version = "devel"
		}
	}
	if err := check(opts.version); err != nil {
		fmt.Fprintf(os.Stderr, "release: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts.log = os.Stderr
	if err := run(ctx, opts); err != nil {
		fmt.Fprintf(os.Stderr, "release: %v\n", err)
		os.Exit(1)
	}
}
