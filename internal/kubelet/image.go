package kubelet

import (
	"errors"
	"strings"
)

// ErrNoRegistry is wrapped by RegistryHost's errors: the image names no
// registry host, so it is not an image this plugin can serve.
var ErrNoRegistry = errors.New("image names no registry host")

// RegistryHost returns the registry part of an image reference, exactly as
// written: "111122223333.dkr.ecr.us-east-1.amazonaws.com" for
// "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1" or ".../app@sha256:…",
// "host:443" when the image names a port, "public.ecr.aws" for
// "public.ecr.aws/x/y".
//
// It is returned as written, port included, because the kubelet matches
// the response's auth keys against the image it pulls: a key without the
// port would not match an image with one. Whether the host is ECR is
// ecr.ParseHost's decision, not this function's.
//
// As in the Docker reference grammar, the first path component is a host
// only when it has a dot or a colon or is "localhost"; an image without
// one ("nginx", "library/nginx:1") is on Docker Hub.
func RegistryHost(image string) (string, error) {
	if image == "" {
		return "", errors.New("empty image")
	}
	for i := 0; i < len(image); i++ {
		if c := image[i]; c <= ' ' || c >= 0x7f {
			return "", errors.New("image " + quote(image) + " has a control, space or non-ASCII character")
		}
	}
	if strings.Contains(image, "://") {
		return "", errors.New("image " + quote(image) + " has a URL scheme; image references have none")
	}
	host, _, ok := strings.Cut(image, "/")
	if !ok || host == "" || !(strings.ContainsAny(host, ".:") || host == "localhost") {
		return "", &noRegistryError{image: image}
	}
	if strings.Contains(host, "@") {
		return "", &noRegistryError{image: image}
	}
	return host, nil
}

type noRegistryError struct{ image string }

func (e *noRegistryError) Error() string {
	return "image " + quote(e.image) + " names no registry host (it would be pulled from Docker Hub)"
}

func (e *noRegistryError) Unwrap() error { return ErrNoRegistry }
