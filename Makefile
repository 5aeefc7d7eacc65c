# dyndistcc — top-level build.
#
#   make                 build dyndistcc-server, dcc and dcc-heartbeat into build/
#   make check           install what is missing, build, run every test
#   make bench           run the benchmarks (ratios against in-run baselines)
#   make demo            start a server and a 3-node pool on loopback, build a program
#   make fuzz            run each libFuzzer target for FUZZ_SECONDS
#   make install         PREFIX=/usr/local DESTDIR=
#   make deb             Debian packages dyndistcc-server, dyndistcc-client in build/deb/
#   make clean
#   V=1                  show full command lines
#   SANITIZE=1           build with -fsanitize=address,undefined (into build-san/)
#   SANITIZE=thread      build with -fsanitize=thread (into build-tsan/)
#   WERROR=              without -Werror (make check and CI keep it; packagers
#                        building with another compiler may want it off)

# The one place the version is written: the programs, the man pages and the
# masquerade tool get it from here.
VERSION    := 1.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system

PKGS       := libmicrohttpd sqlite3 libcurl libcjson
CC         ?= cc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lmicrohttpd -lsqlite3 -lcurl -lcjson)

WERROR ?= -Werror
WARN   := -Wall -Wextra $(WERROR) -Wshadow -Wpointer-arith -Wstrict-prototypes \
          -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
CFLAGS ?= -O2 -g
# The GNU triple distcc was built for: its cross rewrite sends gcc as
# <triple without "-pc">-gcc, and dcc and dcc-heartbeat name compilers the
# same way (shim/fingerprint.c). From the installed distcc, else what
# Debian's distcc reports on this architecture.
DISTCC_GNU_HOST ?= $(shell distcc --version 2>/dev/null | sed -n '1s/^distcc [^ ]* \([A-Za-z0-9_.-]*\).*/\1/p')
ifeq ($(DISTCC_GNU_HOST),)
MACHINE := $(shell uname -m)
override DISTCC_GNU_HOST := $(MACHINE)-$(if $(filter x86_64 i386 i486 i586 i686,$(MACHINE)),pc,unknown)-linux-gnu
endif
ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE -DDYNDISTCC_VERSION='"$(VERSION)"' \
              -DDISTCC_GNU_HOST='"$(DISTCC_GNU_HOST)"' \
              $(WARN) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP
# --as-needed: each program links only the libraries it calls, so dcc (run
# once per compile) does not load libmicrohttpd or SQLite at every start.
ALL_LDFLAGS = -Wl,--as-needed $(LDFLAGS)
LIBS        = $(PKG_LIBS) -lpthread -lm

ifeq ($(SANITIZE),1)
BUILD      ?= build-san
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ALL_LDFLAGS += -fsanitize=address,undefined
else ifeq ($(SANITIZE),thread)
BUILD      ?= build-tsan
ALL_CFLAGS += -fsanitize=thread -fno-omit-frame-pointer
ALL_LDFLAGS += -fsanitize=thread
else
BUILD      ?= build
endif

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2)
endif

# Each folder's objects except the one holding main() go into a library, so
# the unit tests link the same code the programs run.
SERVER_SRC := $(filter-out server/main.c,$(wildcard server/*.c))
SHIM_SRC   := $(filter-out shim/dcc.c shim/heartbeat.c,$(wildcard shim/*.c))
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/%.o) $(BUILD)/server/assets.o
SHIM_OBJ   := $(SHIM_SRC:%.c=$(BUILD)/%.o)
WWW        := $(sort $(wildcard server/www/*))

PROGS      := $(BUILD)/dyndistcc-server $(BUILD)/dcc $(BUILD)/dcc-heartbeat \
              $(BUILD)/dyndistcc-masquerade
MAN_SRC    := shim/dcc.1 shim/dcc-heartbeat.8 server/dyndistcc-server.8 \
              masquerade/dyndistcc-masquerade.8
MANS       := $(addprefix $(BUILD)/man/,$(notdir $(MAN_SRC)))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# The fuzz targets with tests/fuzz/replay.c's main(): make check replays
# their seeds without clang (tests/run.sh, fuzz/NAME).
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BINS := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/%)

.PHONY: all check check-unit check-integration check-browser unit bench demo \
        fuzz install uninstall deb clean deps version FORCE
.DELETE_ON_ERROR:

all: $(PROGS) $(MANS)

# The version goes into the scripts and man pages as they are copied to the
# build directory; their sources say @VERSION@.
$(BUILD)/dyndistcc-masquerade: masquerade/dyndistcc-masquerade Makefile
	$(call say,GEN,$@)
	@mkdir -p $(@D)
	$(Q)sed 's/@VERSION@/$(VERSION)/g' $< >$@.tmp && chmod 0755 $@.tmp && mv $@.tmp $@

$(BUILD)/man/%: Makefile
	$(call say,GEN,$@)
	@mkdir -p $(@D)
	$(Q)sed 's/@VERSION@/$(VERSION)/g' $(filter %/$*,$(MAN_SRC)) >$@.tmp && mv $@.tmp $@

$(MANS): $(MAN_SRC)

# Objects depend on the flags they were built with (the version is one), so
# a changed flag rebuilds them.
FLAGS_FILE := $(BUILD)/.cflags
$(FLAGS_FILE): FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(ALL_CFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS)' >$@
FORCE:

$(BUILD)/%.o: %.c $(FLAGS_FILE)
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The control panel's files are embedded with .incbin; assets.c is generated
# from the list of files under server/www/ and rebuilt when any of them changes.
$(BUILD)/server/assets.c: $(WWW) server/www-embed.sh
	$(call say,GEN,$@)
	@mkdir -p $(@D)
	$(Q)sh server/www-embed.sh $(WWW) > $@

$(BUILD)/server/assets.o: $(BUILD)/server/assets.c $(FLAGS_FILE)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -Iserver -c -o $@ $<

$(BUILD)/libserver.a: $(SERVER_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libshim.a: $(SHIM_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/dyndistcc-server: $(BUILD)/server/main.o $(BUILD)/libserver.a $(BUILD)/libshim.a
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/dcc: $(BUILD)/shim/dcc.o $(BUILD)/libshim.a
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/dcc-heartbeat: $(BUILD)/shim/heartbeat.o $(BUILD)/libshim.a
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/test.h $(BUILD)/libserver.a $(BUILD)/libshim.a $(FLAGS_FILE)
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Iserver -Ishim -o $@ $< \
		$(BUILD)/libserver.a $(BUILD)/libshim.a $(LIBS)

$(BUILD)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(BUILD)/libserver.a $(BUILD)/libshim.a $(FLAGS_FILE)
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Iserver -Ishim -o $@ $< tests/fuzz/replay.c \
		$(BUILD)/libserver.a $(BUILD)/libshim.a $(LIBS)

unit: $(UNIT_BINS) $(REPLAY_BINS)

version:
	@echo $(VERSION)

deps:
	@sh scripts/deps.sh

# make check: unit tests, the unit tests again under the sanitizers, the
# fuzz targets' seeds, then the integration and browser tests against the
# real programs (make SANITIZE=1 check: all of them against the ASan/UBSan
# build), and the threaded server's race scenarios under ThreadSanitizer.
SAN_BUILD := $(if $(filter 1,$(SANITIZE)),$(BUILD),build-san)
check: deps
	@$(MAKE) --no-print-directory WERROR=-Werror all unit
	@$(MAKE) --no-print-directory WERROR=-Werror SANITIZE=1 BUILD=$(SAN_BUILD) all unit
	@$(MAKE) --no-print-directory WERROR=-Werror SANITIZE=thread BUILD=build-tsan all
	@bash tests/run.sh --build $(BUILD) --san-build $(SAN_BUILD) --tsan-build build-tsan

check-unit: all unit
	@bash tests/run.sh --build $(BUILD) --only unit

check-integration: all
	@bash tests/run.sh --build $(BUILD) --only integration $(if $(T),--filter $(T))

check-browser: all
	@bash tests/run.sh --build $(BUILD) --only browser

# After deps, build in a fresh make so pkg-config's flags are read once the
# -dev packages exist (a clean machine has none before deps runs).
bench: deps
	@$(MAKE) --no-print-directory all
	@bash tests/bench/run.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh $(BUILD)

# libFuzzer targets: tests/fuzz/fuzz_*.c, linked against clang-built,
# instrumented copies of the libraries.
FUZZ_SECONDS ?= 30
FUZZ_BUILD   := build-fuzz
fuzz:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
		$(FUZZ_BUILD)/libserver.a $(FUZZ_BUILD)/libshim.a
	@set -e; for src in $(FUZZ_SRC); do \
		name=$$(basename $$src .c); \
		echo "  FUZZ    $$name ($(FUZZ_SECONDS) s)"; \
		clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
			$(PKG_CFLAGS) -Iserver -Ishim -o $(FUZZ_BUILD)/$$name $$src \
			$(FUZZ_BUILD)/libserver.a $(FUZZ_BUILD)/libshim.a $(LIBS); \
		mkdir -p $(FUZZ_BUILD)/corpus-$$name; \
		$(FUZZ_BUILD)/$$name -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			$(FUZZ_BUILD)/corpus-$$name $$( [ -d tests/fuzz/seeds-$$name ] && echo tests/fuzz/seeds-$$name ) \
			2>$(FUZZ_BUILD)/$$name.log || { tail -40 $(FUZZ_BUILD)/$$name.log; exit 1; }; \
		grep -E 'stat::number_of_executed_units' $(FUZZ_BUILD)/$$name.log; \
	done

install: all
	$(call say,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)sh scripts/install-files.sh "$(BUILD)" "$(DESTDIR)" "$(PREFIX)" "$(SYSCONFDIR)" "$(UNITDIR)"

# Debian's tools build the packages (scripts/debian/ is their debian/);
# they install with the rule above (make install PREFIX=/usr).
deb:
	@sh scripts/deps.sh build deb
	@sh scripts/build-deb.sh $(VERSION) build/deb

uninstall:
	$(call say,RM,$(DESTDIR)$(PREFIX))
	$(Q)sh scripts/install-files.sh -u "$(BUILD)" "$(DESTDIR)" "$(PREFIX)" "$(SYSCONFDIR)" "$(UNITDIR)"

clean:
	rm -rf build build-san build-tsan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
