# Two commands for a new user: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
export STREAMX_BUILD_DIR ?= $(CURDIR)/build
GO ?= go
# Two test binaries at a time, one per core: most of the integration
# tests' time is spent waiting for peers' processes (Zookeeper, rnacos,
# dubbo-python), which the other packages' tests use meanwhile.
GOTEST_FLAGS ?= -race -count=1 -p 2 -timeout 40m

.PHONY: demo demo-python test deps unit integration vet fuzz bench bench-smoke

demo: ## a Go provider and consumer in every call kind, direct URL
	@bash scripts/demo.sh

demo-python: ## Go and dubbo-python calling each other
	@bash scripts/demo-python.sh

deps: ## install what the tests need (skips what is already there)
	@bash scripts/deps.sh

# staticcheck comes from `make deps` (scripts/install-staticcheck.sh).
STATICCHECK ?= $(shell $(GO) env GOPATH | cut -d: -f1)/bin/staticcheck

# vet and staticcheck load the packages as built with -race, the build the
# tests use: on a fresh machine the tests' dependencies are compiled once,
# and no second, uninstrumented build of dubbo-go is made.
vet: ## go vet, staticcheck, gofmt
	$(GO) vet -race ./...
	@test -x "$(STATICCHECK)" || bash scripts/install-staticcheck.sh
	GOFLAGS="$(GOFLAGS) -race" $(STATICCHECK) ./...
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "not gofmt-formatted: $$unformatted"; exit 1; fi

unit: vet
	$(GO) test $(GOTEST_FLAGS) $$($(GO) list ./... | grep -v /integrate_test)

integration:
	$(GO) test $(GOTEST_FLAGS) ./integrate_test/...
	$(GO) -C integrate_test/otelgrpc test $(GOTEST_FLAGS) ./...

# A missing rnacos is built in the background while vet and the tests run
# (the tests that need it wait for it): see scripts/install-rnacos.sh.
test: ## everything: unit and integration tests with real peers, then the fuzz targets briefly
	@bash scripts/deps.sh --background
	@$(MAKE) --no-print-directory vet
	STREAMX_REQUIRE_PROTOC=1 STREAMX_REQUIRE_JAVA=1 $(GO) test $(GOTEST_FLAGS) ./...
	@# sync.Pool drops items under -race, so the pooled paths' allocation checks run without it
	$(GO) test -count=1 -run AllocatesNothing ./internal/transport/ ./protocol/streamx/
	@$(MAKE) --no-print-directory fuzz FUZZ_TARGETS='$(FUZZ_NET_TARGETS)'

# Fuzz targets, one after another, each for FUZZTIME (plain `go test` runs
# their seed corpora in testdata/fuzz/ as regression tests). One worker:
# the machine has two cores. New interesting inputs are minimised for at
# most a second, so that the time goes to fuzzing.
FUZZTIME ?= 10s
FUZZ_FLAGS ?= -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s -parallel 1

# make test fuzzes what faces the network (the HTTP/2 engine and the
# message framing). FuzzNormalizeProvider (Zookeeper node names) and
# FuzzModel (the API's model test over random seeds; make test runs
# TestModel's fixed seeds) are left to make fuzz: fuzzing instruments every
# package the target links, here all of dubbo-go, a build of minutes on a
# fresh machine; make test still runs their seed corpora.
FUZZ_NET_TARGETS := \
	FuzzFrameReader:./internal/h2 \
	FuzzPeerSettings:./internal/h2 \
	FuzzCheckRequest:./internal/h2 \
	FuzzServerConn:./internal/h2 \
	FuzzClientConn:./internal/h2 \
	FuzzReader:./internal/transport \
	FuzzRoundTrip:./internal/transport
FUZZ_TARGETS := $(FUZZ_NET_TARGETS) \
	FuzzNormalizeProvider:./registry/zookeeper \
	FuzzModel:./protocol/streamx

fuzz: ## each fuzz target for FUZZTIME (10s)
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t%%:*} ($${t#*:}, $(FUZZTIME))"; \
		bash scripts/fuzz.sh $(GO) "$${t%%:*}" "$${t#*:}" $(FUZZ_FLAGS); \
	done

# The benchmark (bench/README.md): four framework programs and benchrun,
# built without -race into build/bench/.
BENCH_DIR := $(STREAMX_BUILD_DIR)/bench
# Reps and window of `make bench`: 12 throughput cases x 4 frameworks x 5
# reps x 2 s, 10 minutes with the processes' start-up.
BENCH_FLAGS ?= -reps 5 -duration 2s
define build-bench
	@mkdir -p $(BENCH_DIR)
	$(GO) build -o $(BENCH_DIR)/ ./bench/cmd/bench-streamx ./bench/cmd/bench-triple ./bench/cmd/benchrun
	cp $(BENCH_DIR)/bench-streamx $(BENCH_DIR)/bench-streamx-otel
	$(GO) build -C bench/peers/grpc -o $(BENCH_DIR)/bench-grpc .
	$(GO) build -C bench/peers/connect -o $(BENCH_DIR)/bench-connect .
endef

# What tracing costs: streamx with and without the stream-otel interceptor
# on three cases, after the main table (about 40 s).
BENCH_OTEL_FLAGS ?= -frameworks streamx,streamx-otel -cases pp16,c2s16,s2c4k -reps 3 -duration 2s

bench: ## streamx vs stock Triple, grpc-go and connect-go, then what tracing costs: tables on stdout, JSON in build/bench/
	$(build-bench)
	$(BENCH_DIR)/benchrun -bin $(BENCH_DIR) -json $(BENCH_DIR)/results.json $(BENCH_FLAGS)
	$(BENCH_DIR)/benchrun -bin $(BENCH_DIR) -json $(BENCH_DIR)/results-otel.json $(BENCH_OTEL_FLAGS)

bench-smoke: ## every benchmark case once, briefly; fails unless every framework gave a result
	$(build-bench)
	$(BENCH_DIR)/benchrun -smoke -bin $(BENCH_DIR) -json $(BENCH_DIR)/smoke.json
