# The project's vocabulary. `make help` lists the targets.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS  := -s -w -X github.com/ecrlogin/docker-credential-ecrlogin/internal/version.Version=$(VERSION)
# Static (no cgo): the binaries then start on any Linux, glibc or musl
# (Alpine), exec about 1 ms faster, and resolve names with Go's resolver.
# Tests keep cgo, which -race needs (internal/testbin).
STATIC   := CGO_ENABLED=0
BUILD    := $(STATIC) $(GO) build -trimpath -ldflags '$(LDFLAGS)'
CMDS     := ./cmd/docker-credential-ecrlogin ./cmd/ecrlogin
FUZZTIME ?= 60s
BENCHFLAGS ?=

SOAK_N   ?= 10000

.PHONY: help build install cross release test lint bench fuzz soak demo e2e-docker e2e-kubelet clean

help: ## list the targets
	@awk -F':.*## ' '/^[a-z0-9-]+:.*## /{printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build both binaries into bin/ (static, trimmed, version stamped)
	$(BUILD) -o bin/ $(CMDS)

install: ## install both binaries side by side into $(go env GOPATH)/bin (or GOBIN), static
	$(STATIC) $(GO) install -trimpath -ldflags '$(LDFLAGS)' $(CMDS)
	@echo "installed docker-credential-ecrlogin and ecrlogin into $$($(GO) env GOBIN || true)$$( [ -n "$$($(GO) env GOBIN)" ] || echo "$$($(GO) env GOPATH)/bin")"

cross: ## build both binaries for linux, darwin, windows × amd64, arm64 into bin/cross/OS-ARCH/ (static)
	$(GO) run ./internal/release -cross -version '$(VERSION)' -out bin/cross

release: ## reproducible archives per platform and SHA256SUMS into dist/ (VERSION=vX.Y.Z)
	$(GO) run ./internal/release -version '$(VERSION)' -out dist

test: ## vet and run every test with the race detector
	$(GO) vet ./...
	$(GO) test -race ./...

lint: ## gofmt, go vet, and the front's dependency check
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./cache/ ./ecr/... ./cmd/... ./internal/config/ ./internal/tty/
	GOOS=darwin $(GO) vet ./cache/ ./ecr/... ./cmd/... ./internal/config/ ./internal/tty/
	$(GO) test -run TestFrontDependencies ./cmd/docker-credential-ecrlogin/

bench: ## in-process benchmarks, then whole-process ones against the fake ECR (bench/; BENCHFLAGS=-n 500)
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./bench $(BENCHFLAGS)

fuzz: ## run each fuzz target for FUZZTIME (default 60s)
	$(GO) test -run '^$$' -fuzz FuzzParseHost -fuzztime $(FUZZTIME) ./ecr/
	$(GO) test -run '^$$' -fuzz FuzzReadRequest -fuzztime $(FUZZTIME) ./ecr/
	$(GO) test -run '^$$' -fuzz FuzzServe -fuzztime $(FUZZTIME) ./ecr/
	$(GO) test -run '^$$' -fuzz FuzzReadRequest -fuzztime $(FUZZTIME) ./internal/fetchcmd/
	$(GO) test -run '^$$' -fuzz FuzzDecodeReply -fuzztime $(FUZZTIME) ./internal/fetchcmd/
	$(GO) test -run '^$$' -fuzz FuzzReadEntry -fuzztime $(FUZZTIME) ./cache/
	$(GO) test -run '^$$' -fuzz FuzzDecodeRecord -fuzztime $(FUZZTIME) ./cache/
	$(GO) test -run '^$$' -fuzz FuzzEdit -fuzztime $(FUZZTIME) ./internal/dockerconfig/
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./internal/config/
	$(GO) test -run '^$$' -fuzz FuzzDecodeRequest -fuzztime $(FUZZTIME) ./internal/kubelet/

soak: ## SOAK_N (10000) gets by 16 real processes under random faults; prints gets, API calls, faults, p50/p99
	ECRLOGIN_SOAK=1 $(GO) test -run '^TestSoak$$' -count=1 -v -timeout 30m ./cmd/docker-credential-ecrlogin/ -args -soak.n=$(SOAK_N)

demo: build ## push and pull an image through the helper against a local fake ECR (no AWS account)
	$(GO) run ./internal/demo -bin bin

e2e-docker: ## push/pull through a private Docker engine (root, dockerd); says SKIPPED: no Docker daemon when none answers
	@scripts/e2e-docker.sh

e2e-kubelet: ## check ecrlogin kubelet's wire format against the upstream kubelet types (own module: e2e/kubelet)
	cd e2e/kubelet && $(GO) vet ./... && $(GO) test -race -count=1 ./...

clean: ## remove build output
	rm -rf bin/ dist/
