# Two commands for a new user: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
export STREAMX_BUILD_DIR ?= $(CURDIR)/build
GO ?= go
# Lean on two cores: one test binary at a time, tests inside in parallel.
GOTEST_FLAGS ?= -race -count=1 -p 1 -timeout 40m

.PHONY: demo demo-python test deps unit integration vet fuzz bench bench-smoke

demo: ## a Go provider and consumer in every call kind, direct URL
	@bash scripts/demo.sh

demo-python: ## Go and dubbo-python calling each other
	@bash scripts/demo-python.sh

deps: ## install what the tests need (skips what is already there)
	@bash scripts/deps.sh

# staticcheck comes from `make deps` (scripts/install-staticcheck.sh).
STATICCHECK ?= $(shell $(GO) env GOPATH | cut -d: -f1)/bin/staticcheck

vet: ## go vet, staticcheck, gofmt
	$(GO) vet ./...
	@test -x "$(STATICCHECK)" || bash scripts/install-staticcheck.sh
	$(STATICCHECK) ./...
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "not gofmt-formatted: $$unformatted"; exit 1; fi

unit: vet
	$(GO) test $(GOTEST_FLAGS) $$($(GO) list ./... | grep -v /integrate_test)

integration:
	$(GO) test $(GOTEST_FLAGS) ./integrate_test/...

test: deps vet ## everything: unit and integration tests with real peers, then the fuzz targets briefly
	STREAMX_REQUIRE_PROTOC=1 $(GO) test $(GOTEST_FLAGS) ./...
	@$(MAKE) --no-print-directory fuzz

# Fuzz targets, one after another, each for FUZZTIME (plain `go test` runs
# their seed corpora in testdata/fuzz/ as regression tests). One worker:
# the machine has two cores. New interesting inputs are minimised for at
# most a second, so that the time goes to fuzzing. The first run builds
# the packages with coverage instrumentation, which takes a few minutes
# for registry/zookeeper (dubbo-go); later runs use the build cache.
FUZZTIME ?= 10s
FUZZ_FLAGS ?= -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s -parallel 1
FUZZ_TARGETS := \
	FuzzFrameReader:./internal/h2conn \
	FuzzPeerSettings:./internal/h2conn \
	FuzzCheckRequest:./internal/h2conn \
	FuzzServerConn:./internal/h2server \
	FuzzClientConn:./internal/h2client \
	FuzzReader:./internal/wire \
	FuzzRoundTrip:./internal/wire \
	FuzzNormalizeProvider:./registry/zookeeper

fuzz: ## each fuzz target for FUZZTIME (10s)
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t%%:*} ($${t#*:}, $(FUZZTIME))"; \
		bash scripts/fuzz.sh $(GO) "$${t%%:*}" "$${t#*:}" $(FUZZ_FLAGS); \
	done

# The benchmark (bench/README.md): three framework programs and benchrun,
# built without -race into build/bench/.
BENCH_DIR := $(STREAMX_BUILD_DIR)/bench
# Reps and window of `make bench`, chosen to finish in under 10 minutes.
BENCH_FLAGS ?= -reps 5 -duration 3s
define build-bench
	@mkdir -p $(BENCH_DIR)
	$(GO) build -o $(BENCH_DIR)/ ./bench/cmd/bench-streamx ./bench/cmd/bench-triple ./bench/cmd/bench-grpc ./bench/cmd/benchrun
endef

bench: ## streamx vs stock Triple vs grpc-go: table on stdout, JSON in build/bench/results.json
	$(build-bench)
	$(BENCH_DIR)/benchrun -bin $(BENCH_DIR) -json $(BENCH_DIR)/results.json $(BENCH_FLAGS)

bench-smoke: ## every benchmark case once, briefly; fails unless every framework gave a result
	$(build-bench)
	$(BENCH_DIR)/benchrun -smoke -bin $(BENCH_DIR) -json $(BENCH_DIR)/smoke.json
