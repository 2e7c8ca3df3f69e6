# revtrace: the one build entry point.
#
#   make            build ./revtrace (release, -O2)
#   make deps       install the Debian packages the build needs (only the missing ones)
#   make check      deps, then every test: release, ASan and UBSan builds
#   make demo       deps, build, run the main job on the bundled emulator, write a report
#   make bench      deps + bench deps (nginx-light, wrk, nghttp2-client), build, run the
#                   benchmarks (prints a table, asserts nothing timed);
#                   REVTRACE_BASELINE=/path/to/old/revtrace adds a before column
#   make calibrate  compare the emulator's profiles with the published locust runs
#   make asan|ubsan build that variant under build/<variant>/ and run its tests
#   make fuzz       build the libFuzzer harnesses (clang)
#   make install    PREFIX=/usr/local DESTDIR= (the binary, revtrace(1), the bash completion,
#                   README.md and docs/, the sample data)
#   make man        generate revtrace.1 and the bash completion under build/gen
#
# Quiet unless V=1.  Honours CC, CFLAGS, LDFLAGS, PREFIX, DESTDIR.

VERSION  := 0.1.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/revtrace
CC       ?= cc
CFLAGS   ?= -O2 -g
PKG_CONFIG ?= pkg-config
PKGS     := libcurl sqlite3 zlib libmicrohttpd jansson

WARN     := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
DEFS     := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DRT_VERSION='"$(VERSION)"'
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
LIBS     := -lcsv -lpthread -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Variant: release (default), asan, ubsan.  Each has its own object directory.
VARIANT  ?= release
ifeq ($(VARIANT),asan)
VFLAGS   := -O1 -g -fsanitize=address -fno-omit-frame-pointer
else ifeq ($(VARIANT),ubsan)
VFLAGS   := -O1 -g -fsanitize=undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
VFLAGS   :=
endif
B        := build/$(VARIANT)

ALL_CFLAGS = $(WARN) $(DEFS) -I. -I$(B) $(PKG_CFLAGS) $(CFLAGS) $(VFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(VFLAGS)

# The layers, one archive per folder: core/ (the library: no printing, no exit, no signals),
# tool/ (options, messages, the run session, the progress display) and one folder per command
# with the modules only it uses.  A command's main file (capture/capture.c, ...) stays out of
# its archive, so a unit test links exactly the folder it tests plus the layers below.
CMDS     := capture replay analyze emulate synth
LAYERS   := $(CMDS) tool core
SCHEMA   := $(sort $(wildcard schema/*.sql))
MAIN_SRC := revtrace.c $(foreach c,$(CMDS),$(c)/$(c).c)
MAIN_OBJ := $(MAIN_SRC:%.c=$(B)/%.o)
lib_src   = $(filter-out $(1)/$(1).c,$(sort $(wildcard $(1)/*.c)))
$(foreach l,$(LAYERS),$(eval LIB_$(l) := $(B)/lib$(l).a))
LIBS_ALL := $(foreach l,$(LAYERS),$(LIB_$(l)))
UNIT_SRC := $(sort $(wildcard tests/unit/*/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
# What a unit test of folder F links: F's archive, then the layers below it.
unit_libs = $(LIB_$(1)) $(if $(filter-out core,$(1)),$(if $(filter-out tool,$(1)),$(LIB_tool)) $(LIB_core))

.PHONY: all deps bench-deps check test demo bench calibrate asan ubsan fuzz install uninstall clean man \
        binary unit-tests run-tests

ifeq ($(VARIANT),release)
all: revtrace
revtrace: $(B)/revtrace
	$(Q)cp $< $@.tmp && mv -f $@.tmp $@
else
all: $(B)/revtrace
endif

binary: $(B)/revtrace

$(B)/revtrace: $(MAIN_OBJ) $(LIBS_ALL)
	@echo "  LD      $@"
	$(Q)$(CC) -o $@ $(MAIN_OBJ) $(LIBS_ALL) $(ALL_LDFLAGS) $(PKG_LIBS) $(LIBS)

define lib_rule
$(B)/lib$(1).a: $(patsubst %.c,$(B)/%.o,$(call lib_src,$(1)))
	@echo "  AR      $$@"
	$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call lib_rule,$(l))))
$(LIB_core): $(B)/schema_sql.o

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The schema is embedded: every schema/NNN_name.sql becomes one migration string.
$(B)/schema_sql.c: $(SCHEMA) schema/embed.sh
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)sh schema/embed.sh $(SCHEMA) > $@.tmp && mv $@.tmp $@

$(B)/schema_sql.o: $(B)/schema_sql.c
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

define unit_rule
$(B)/tests/$(1)/%: tests/unit/$(1)/%.c $(call unit_libs,$(1))
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$<"
	$(Q)$(CC) $$(ALL_CFLAGS) -o $$@ $$< $$(filter %.a,$$^) $$(ALL_LDFLAGS) $$(PKG_LIBS) $$(LIBS) -lcmocka
endef
$(foreach l,$(LAYERS),$(eval $(call unit_rule,$(l))))

unit-tests: $(UNIT_BIN)

# run-tests: every unit test and CLI test of this variant; prints "N passed, N failed".
run-tests: $(B)/revtrace $(UNIT_BIN)
	$(Q)sh tests/run.sh $(B)

deps:
	$(Q)sh tests/deps.sh

check test: deps
	$(Q)$(MAKE) --no-print-directory revtrace
	$(Q)sh tests/check.sh

asan:
	$(Q)$(MAKE) --no-print-directory VARIANT=asan run-tests

ubsan:
	$(Q)$(MAKE) --no-print-directory VARIANT=ubsan run-tests

demo: deps
	$(Q)$(MAKE) --no-print-directory revtrace
	$(Q)sh data/demo.sh

# The benchmark's own packages (nginx-light, wrk, nghttp2-client), not needed by the tests.
bench-deps: deps
	$(Q)sh tests/deps.sh bench

bench: bench-deps
	$(Q)$(MAKE) --no-print-directory revtrace
	$(Q)sh bench/bench.sh

calibrate: deps
	$(Q)$(MAKE) --no-print-directory revtrace
	$(Q)sh bench/calibrate.sh

fuzz:
	$(Q)sh tests/fuzz/build.sh

# The manual page and the bash completion are generated from the option tables that make
# --help (revtrace --help-man, --help-completion), so a new option appears in all three.
# BIN: the binary they come from and that is installed (default ./revtrace, built first);
# GEN: where they are generated.
BIN      ?= revtrace
GEN      ?= build/gen
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
$(GEN)/revtrace.1: $(BIN)
	@mkdir -p $(GEN)
	@echo "  GEN     $@"
	$(Q)$(abspath $(BIN)) --help-man > $@.tmp && mv $@.tmp $@
$(GEN)/revtrace.bash: $(BIN)
	@mkdir -p $(GEN)
	@echo "  GEN     $@"
	$(Q)$(abspath $(BIN)) --help-completion > $@.tmp && mv $@.tmp $@

man: $(GEN)/revtrace.1 $(GEN)/revtrace.bash

# The sample inputs go to $(DATADIR) (/usr/share/revtrace/data with PREFIX=/usr, as in the
# Dockerfile).  README.md and docs/ keep their folder under $(DOCDIR), and $(DOCDIR)/data
# points to $(DATADIR), so the README's and the docs' links (docs/analyze.md,
# ../data/README.md) work where installed.
DATADIR  ?= $(PREFIX)/share/revtrace/data
DATAFILES := data/revids.csv data/wikidata-synthetic-1h.csv.gz data/phab-locust-runs.csv \
             data/README.md
install: $(BIN) $(GEN)/revtrace.1 $(GEN)/revtrace.bash
	@echo "  INSTALL $(DESTDIR)$(BINDIR)/revtrace, man1/revtrace.1, bash completion, $(DESTDIR)$(DOCDIR), $(DESTDIR)$(DATADIR)"
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DATADIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	$(Q)install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/revtrace
	$(Q)sed 's|@PREFIX@|$(PREFIX)|g' $(GEN)/revtrace.1 > $(DESTDIR)$(MANDIR)/man1/revtrace.1
	$(Q)chmod 644 $(DESTDIR)$(MANDIR)/man1/revtrace.1
	$(Q)install -m 644 $(GEN)/revtrace.bash $(DESTDIR)$(BASHCOMPDIR)/revtrace
	$(Q)install -m 644 README.md Dockerfile $(DESTDIR)$(DOCDIR)/
	$(Q)install -m 644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/
	$(Q)install -m 644 $(DATAFILES) $(DESTDIR)$(DATADIR)/
	$(Q)ln -sfn $(DATADIR) $(DESTDIR)$(DOCDIR)/data

uninstall:
	$(Q)rm -f $(DESTDIR)$(BINDIR)/revtrace $(DESTDIR)$(MANDIR)/man1/revtrace.1 \
	    $(DESTDIR)$(BASHCOMPDIR)/revtrace
	$(Q)rm -rf $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR)
	$(Q)rmdir $(DESTDIR)$(DATADIR)/.. 2>/dev/null || true

clean:
	rm -rf build revtrace

-include $(shell find build/$(VARIANT) -name '*.d' 2>/dev/null)
