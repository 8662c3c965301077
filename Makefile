# The two commands a person needs: `make demo` and `make test`. Everything else is a step they call.
SHELL := /bin/bash
OPS := node bin/ops.js
# The three test tiers are vitest projects (vitest.config.ts): unit, docker, e2e.
VITEST := npx vitest run

.PHONY: demo test deps build host gpu-sim image lint typecheck unit docker-tests e2e-tests bench clean-test-containers

# `npm install`, not `npm ci`: the registry here does not serve every platform's optional binary of some
# packages (biome), so the lock cannot list them all and `npm ci` refuses it; install still honours the lock.
node_modules/.package-lock.json: package.json package-lock.json
	npm install --no-fund --no-audit
	@touch $@

# The Pulumi stacks are their own package: the Pulumi SDK stays out of the root's dependencies.
stacks/node_modules/.package-lock.json: stacks/package.json stacks/package-lock.json
	npm --prefix stacks install --no-fund --no-audit
	@touch $@

deps: node_modules/.package-lock.json stacks/node_modules/.package-lock.json

# src/ to JavaScript in dist/ (scripts/build.ts; about a second): bin/ops.js runs it when it is newer than src/,
# so everything below runs the CLI as an installed package does, with no transpiling at start-up.
build: deps
	node --import tsx scripts/build.ts

# Docker daemon and debootstrap (installed and started when missing; a no-op when present).
host:
	bash scripts/ensure-docker.sh
	bash scripts/ensure-test-tools.sh

# The simulated GPU host's Docker side (test/gpu-sim/README.md): restarts, once, the daemon ensure-docker.sh started
# with NVIDIA's hook stand-in so `--gpus` works; a no-op where it already does; never touches a daemon ops did not
# start (the GPU journeys then skip and say why). Before the docker tests, so no test container is running yet.
gpu-sim: host
	bash scripts/ensure-gpu-sim-docker.sh

# The CPU llama.cpp engine image, the gateway and agent images, the monitoring images (Prometheus, node exporter), from
# Debian packages, and the eval sandbox (each skipped when already built from the same inputs).
image: build host
	$(OPS) images build llama.cpp
	$(OPS) images build gateway
	$(OPS) images build agent
	$(OPS) images build prometheus
	$(OPS) images build node-exporter
	$(OPS) images build sandbox

lint: deps
	npx biome check .

typecheck: deps
	npx tsc -p tsconfig.json --noEmit
	npx tsc -p stacks/tsconfig.json

unit: build
	$(VITEST) --project unit

docker-tests: image
	$(VITEST) --project docker --reporter=verbose

e2e-tests: image gpu-sim
	$(VITEST) --project e2e --reporter=verbose

test: lint typecheck unit gpu-sim docker-tests e2e-tests
	@$(MAKE) --no-print-directory clean-test-containers

demo: image
	node --import tsx scripts/demo.ts

# Benchmarks (not part of `make test`): each compares against a baseline in the same run and prints ratios.
bench: image
	npm --prefix bench/gateway/ccr install --no-fund --no-audit
	node --import tsx bench/gateway/overhead.ts
	node --import tsx bench/gateway/vs-claude-code-router.ts
	node --import tsx bench/store/pull-vs-curl.ts 500 5
	node --import tsx bench/store/wan-download.ts 256 3
	node --import tsx bench/report/month-8gpu.ts
	node --import tsx bench/cli/startup.ts
	node --import tsx bench/retrieval/recall.ts
	node --import tsx bench/gateway/slot-affinity.ts

# Tests name their deployments t-*; this removes anything a killed test run left behind.
clean-test-containers:
	@ids=$$(docker ps -aq --filter label=ops.managed=true --format "{{.ID}} {{.Label \"ops.deployment\"}}" 2>/dev/null | awk '$$2 ~ /^t-/ {print $$1}'); [ -z "$$ids" ] || docker rm -f $$ids >/dev/null
