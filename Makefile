# Hashi build. GNU make; libraries found through pkg-config; objects out of tree in $(BUILD).
# Targets: all demo check asan bench lint install clean.

BUILD    ?= build
PREFIX   ?= /usr/local
CC       ?= gcc
PKGS     := libevent libevent_openssl openssl libxml-2.0 yaml-0.1 lmdb
TESTPKGS := cmocka

# Installs missing Debian packages (or prints the apt-get line) before anything needs them.
DEPS_OK := $(shell pkg-config --exists $(PKGS) $(TESTPKGS) && for c in xmllint curl openssl valgrind ss swanctl chromium; do \
           command -v $$c >/dev/null || exit 1; done && echo yes)
ifneq ($(DEPS_OK),yes)
  ifeq ($(filter clean lint,$(MAKECMDGOALS)),)
    $(info Hashi: some dependencies are missing; running deploy/deps.sh)
    $(shell sh deploy/deps.sh >&2)
  endif
endif

CSTD   := -std=c11 -D_DEFAULT_SOURCE
WARN   := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
          -Wmissing-declarations -Wshadow -Wpointer-arith -Wcast-qual -Wsign-compare \
          -Wformat=2 -Wundef -Wvla -Wold-style-definition \
          -Wduplicated-cond -Wlogical-op
OSSL   := -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED
HARDEN := -O2 -g -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection -fPIE
ifeq ($(shell uname -m),x86_64)
  HARDEN += -fcf-protection
endif
SAN    ?=
ifeq ($(SAN),1)
  HARDEN := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer -U_FORTIFY_SOURCE -fPIE
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS:= $(shell pkg-config --cflags $(TESTPKGS) 2>/dev/null)
TEST_LIBS  := $(shell pkg-config --libs $(TESTPKGS) 2>/dev/null)

CFLAGS  += $(CSTD) $(WARN) $(OSSL) $(HARDEN) -I. $(PKG_CFLAGS) -MMD -MP
LDFLAGS += -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack -Wl,--as-needed
ifeq ($(SAN),1)
  LDFLAGS += -fsanitize=address,undefined
endif

MODULES   := common crypto mpi policy audit gateway
MAINS     := gateway/hashid_main.c gateway/hashictl_main.c
LIB_SRCS  := $(filter-out $(MAINS),$(wildcard $(addsuffix /*.c,$(MODULES))))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libhashi.a
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_HELP := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
BINS      := $(BUILD)/hashid $(BUILD)/hashictl

.PHONY: all demo check asan bench lint install clean unit
all: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/hashid: $(BUILD)/gateway/hashid_main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/hashictl: $(BUILD)/gateway/hashictl_main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -Wno-missing-prototypes -Wno-missing-declarations -c -o $@ $<

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(UNIT_HELP:tests/unit/%.c=$(BUILD)/tests/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(PKG_LIBS) -lm

unit: $(UNIT_BINS)

# Unit tests run under valgrind (leaks are errors) unless HASHI_VALGRIND=0.
check: all unit
	BUILD=$(BUILD) HASHI_VALGRIND=$${HASHI_VALGRIND:-1} sh tests/run.sh

asan:
	$(MAKE) BUILD=build-asan SAN=1 all unit
	BUILD=build-asan HASHI_ASAN=1 HASHI_VALGRIND=0 sh tests/run.sh

# The bench's own programs (tests/bench/*.c other than load.c, which run.sh builds itself).
BENCH_BINS := $(BUILD)/bench/gen_patients $(BUILD)/bench/mpi_bench $(BUILD)/bench/consent_bench \
	$(BUILD)/bench/audit_bench $(BUILD)/bench/hashid-unaudited $(BUILD)/bench/j47_bench

$(BUILD)/bench/%.o: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/bench/gen_patients: $(BUILD)/bench/gen_patients.o
	$(CC) $(LDFLAGS) -o $@ $^ -lm

$(BUILD)/bench/mpi_bench: $(BUILD)/bench/mpi_bench.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/bench/consent_bench: $(BUILD)/bench/consent_bench.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/bench/audit_bench: $(BUILD)/bench/audit_bench.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/bench/j47_bench: $(BUILD)/bench/j47_bench.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# hashid without its audit log, for the bench's "with vs without audit" comparison only:
# gw.c and ex_audit.c rebuilt with HASHI_BENCH_UNAUDITED replace their library copies.
$(BUILD)/bench/unaudited/%.o: gateway/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DHASHI_BENCH_UNAUDITED -c -o $@ $<

$(BUILD)/bench/hashid-unaudited: $(BUILD)/gateway/hashid_main.o $(BUILD)/bench/unaudited/gw.o \
    $(BUILD)/bench/unaudited/ex_audit.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

bench: all $(BENCH_BINS)
	BUILD=$(BUILD) sh tests/bench/run.sh

# make demo VPN=1: the same two regions in network namespaces with real strongSwan tunnels
# (root only); the default demo stays on loopback.
demo: all
	BUILD=$(BUILD) VPN=$(VPN) sh deploy/demo.sh

lint:
	sh tests/lint/layers.sh && sh tests/lint/sizes.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/hashi
	install -m 0755 $(BUILD)/hashid $(DESTDIR)$(PREFIX)/sbin/hashid
	install -m 0755 $(BUILD)/hashictl $(DESTDIR)$(PREFIX)/bin/hashictl
	install -d $(DESTDIR)/lib/systemd/system
	sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|g' deploy/hashid.service >$(BUILD)/hashid.service
	install -m 0644 $(BUILD)/hashid.service $(DESTDIR)/lib/systemd/system/hashid.service
	install -m 0600 deploy/hashid.example.yaml $(DESTDIR)/etc/hashi/hashid.example.yaml

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
.SECONDARY:
