# The two commands: `make demo` and `make test`. Both install what they need first.
.PHONY: all deps demo build test release asan bench bench-dlp bench-proxy bench-inspect bench-mcp bench-sandbox fuzz fuzz-run lint clean

all: release

deps:
	@bash scripts/deps.sh

release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release

demo: release
	./build/release/airlock demo

asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan

test: asan release
	ctest --preset asan
	bash tests/release_smoke.sh build/release/airlock $(CURDIR)

bench: release
	cmake --preset bench >/dev/null
	cmake --build --preset bench
	bash bench/run.sh

# Only the DLP section of make bench (bench/dlp.sh).
bench-dlp: release
	cmake --preset bench >/dev/null
	cmake --build --preset bench --target dlp_bench
	bash bench/dlp.sh

# Only the egress-proxy section of make bench (bench/proxy.sh): airlock proxy beside tinyproxy,
# squid and mitmproxy; installs them with scripts/bench-deps.sh.
bench-proxy: release
	bash bench/proxy.sh

# Only the document-inspection section of make bench (bench/inspect.sh): documents per second,
# MB/s and peak memory per format, beside python-docx, openpyxl, BeautifulSoup and pdftotext.
bench-inspect: release
	bash bench/inspect.sh

# Only the MCP-proxy section of make bench (bench/mcp.sh): round trips directly to the reference
# servers and through airlock mcp.
bench-mcp: release
	bash bench/mcp.sh
	PIN=1 APPEND=1 bash bench/mcp.sh

# Only the sandbox section (bench/sandbox.sh): start-up beside srt, cost per open.
bench-sandbox: release
	bash bench/sandbox.sh

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz --target fuzzers

fuzz-run: fuzz
	bash scripts/fuzz.sh $(or $(SECONDS_EACH),60)

lint:
	python3 scripts/lint.py

clean:
	rm -rf build
