# Two commands for a new user: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
export STREAMX_BUILD_DIR ?= $(CURDIR)/build
GO ?= go
# Lean on two cores: one test binary at a time, tests inside in parallel.
GOTEST_FLAGS ?= -race -count=1 -p 1 -timeout 40m

.PHONY: demo demo-python test deps unit integration vet bench

demo: ## a Go provider and consumer in every call kind, direct URL
	@bash scripts/demo.sh

demo-python: ## Go and dubbo-python calling each other
	@bash scripts/demo-python.sh

deps: ## install what the tests need (skips what is already there)
	@bash scripts/deps.sh

vet:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "not gofmt-formatted: $$unformatted"; exit 1; fi

unit: vet
	$(GO) test $(GOTEST_FLAGS) $$($(GO) list ./... | grep -v /integrate_test)

integration:
	$(GO) test $(GOTEST_FLAGS) ./integrate_test/...

test: deps vet ## everything: unit and integration tests with real peers
	$(GO) test $(GOTEST_FLAGS) ./...
