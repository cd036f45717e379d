# hpctl: build, test, lint, demo. `make help` lists the targets.
SHELL   := bash
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     := bin/hpctl

.PHONY: help build install test test-fast lint bench golden fuzz demo emu-up emu-down clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

build: ## build bin/hpctl
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/hpctl

install: ## install hpctl into $(go env GOPATH)/bin, with its version
	$(GO) install -ldflags "-X main.version=$(VERSION)" ./cmd/hpctl

test: ## run every test
	$(GO) test ./...

test-fast: ## run the tests that need no emulator (command logic on the fake cloud), with deploy's coverage
	HPCTL_EMULATOR=off $(GO) test -coverpkg=./internal/deploy ./internal/cli/ ./internal/deploy/ | sed 's/ of statements in .*//'
	HPCTL_EMULATOR=off $(GO) test ./...

lint: ## gofmt, go vet, cfn-lint on every stand-in template
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	@py=$$($(GO) run ./cmd/hpctl-emu python cfnlint) && echo "cfn-lint templates/*/*.yaml" && \
	  $$py -c 'import sys; from cfnlint.runner import main; sys.argv[0] = "cfn-lint"; main()' -- templates/*/*.yaml

bench: ## benchmarks: plan resolution; one EKS deployment by hpctl, rain and the AWS CLI on the timed emulator → bench/results.md (~25 min)
	$(GO) test -run '^$$' -bench . -benchmem ./internal/plan/
	$(GO) test -run '^$$' -bench WatchedEKSQuickstart -benchtime 1x -v ./internal/cli/
	$(GO) run ./bench -runs 3 -failures 2 -out bench/results.md

golden: ## rewrite every golden file (plans, JSON documents, records, rendered views) and the region list from the SDK's partition data
	$(GO) test ./internal/cli/ -run Golden -update
	$(GO) test ./internal/render/ -update
	$(GO) test ./internal/spec/ -run TestRegionsAreTheSDKs -update-regions

fuzz: ## fuzz the spec loader for a minute; what it finds joins the committed corpus
	$(GO) test ./internal/spec/ -run '^$$' -fuzz FuzzLoad -fuzztime 60s -fuzzminimizetime 5s
	cp "$$($(GO) env GOCACHE)"/fuzz/github.com/hpctl/hpctl/internal/spec/FuzzLoad/* internal/spec/testdata/fuzz/FuzzLoad/

demo: build ## on a local emulator: deploy the EKS quickstart live, show it, destroy it (no AWS account needed)
	@set -e; $(GO) build -o bin/hpctl-emu ./cmd/hpctl-emu; \
	  eval "$$(bin/hpctl-emu up --resource-seconds 0.3 --cluster-seconds 8)"; trap 'bin/hpctl-emu down' EXIT; \
	  printf '%s\n' '$$ hpctl deploy eks -f examples/eks-quickstart.yaml \' '    --templates-bucket hpctl-demo-templates --stand-ins'; \
	  $(BIN) deploy eks -f examples/eks-quickstart.yaml --templates-bucket hpctl-demo-templates --stand-ins; \
	  echo; echo "\$$ hpctl status ml-cluster"; $(BIN) status ml-cluster; \
	  echo; echo "\$$ hpctl destroy ml-cluster --yes"; $(BIN) destroy ml-cluster --yes; \
	  echo; echo "\$$ hpctl-emu inventory   # left: only the demo's template bucket"; \
	  bin/hpctl-emu inventory

emu-up: ## start the local AWS emulator; eval "$$(make -s emu-up)" points this shell at it
	@$(GO) run ./cmd/hpctl-emu up

emu-down: ## stop the local AWS emulator and everything it started
	@$(GO) run ./cmd/hpctl-emu down

clean: ## remove build output
	rm -rf bin
