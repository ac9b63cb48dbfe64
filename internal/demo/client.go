package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/registrytest"
)

// pushPullWithClient pushes and pulls with go-containerregistry, which
// reads credHelpers from DOCKER_CONFIG and execs the helper just as the
// docker CLI does.
func pushPullWithClient(ctx context.Context, p *printer, reg *registrytest.Server) error {
	ref, err := name.ParseReference(image)
	if err != nil {
		return err
	}
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(authn.DefaultKeychain),
		remote.WithTransport(reg.Transport()),
	}

	p.step("Push a random one-layer image with go-containerregistry (remote.Write, authn.DefaultKeychain)")
	p.line("   The library reads credHelpers and runs the helper, as crane, ko and the docker CLI do.")
	img, err := random.Image(4096, 1)
	if err != nil {
		return err
	}
	want, err := img.Digest()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := remote.Write(ref, img, opts...); err != nil {
		return fmt.Errorf("push %s: %w", image, err)
	}
	p.result(fmt.Sprintf("pushed %s to %s (%s)", want, image, ms(time.Since(start))))

	p.step("Pull it back and check every blob")
	start = time.Now()
	got, err := remote.Image(ref, opts...)
	if err != nil {
		return fmt.Errorf("pull %s: %w", image, err)
	}
	digest, err := got.Digest()
	if err != nil {
		return err
	}
	if digest != want {
		return fmt.Errorf("pulled %s, pushed %s", digest, want)
	}
	layers, err := got.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		// remote layers check their digest as they are read to the end.
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("read pulled layer: %w", err)
		}
	}
	p.result(fmt.Sprintf("pulled %s (%s): the image that was pushed", digest, ms(time.Since(start))))
	return nil
}
