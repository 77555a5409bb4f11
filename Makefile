# openledger — build, test and try it.
#
#   make demo    build, then run the walkthrough in Examples/ on a throwaway store
#   make test    build, then run the unit and end-to-end tests
#
# Both run `deps` first: on a fresh Debian machine with the Swift toolchain they are all the set-up.

SWIFT   ?= swift
PREFIX  ?= /usr/local
APT_PACKAGES = libarchive-dev libsqlite3-dev pkg-config

.PHONY: all deps build release test demo install lint format clean

all: build

# Installs the C libraries the package links (libarchive, SQLite) when pkg-config cannot find
# them, with apt-get, through sudo unless we are root.
deps:
	@if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libarchive sqlite3; then :; else \
	  echo "make deps: installing $(APT_PACKAGES) with apt-get"; \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

demo: build
	@sh Examples/demo.sh "$$($(SWIFT) build --show-bin-path)/openledger"

install: release
	install -d "$(DESTDIR)$(PREFIX)/bin"
	install -m 0755 "$$($(SWIFT) build -c release --show-bin-path)/openledger" "$(DESTDIR)$(PREFIX)/bin/openledger"

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build
