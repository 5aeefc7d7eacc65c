/*
 * test_wire.c — the wire rules both sides check (shim/wire.c): one copy of
 * each, so the server and the clients can never disagree.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util.h"
#include "wire.h"

TEST(names)
{
	char n65[66];

	CHECK(wire_name_valid("fw"));
	CHECK(wire_name_valid("A-z_0.9"));
	CHECK(!wire_name_valid(""));
	CHECK(!wire_name_valid("C++"));
	CHECK(!wire_name_valid("a&b"));
	CHECK(!wire_name_valid("a b"));
	CHECK(!wire_name_valid("a/b"));
	CHECK(!wire_name_valid("\xc3\xbc"));
	memset(n65, 'a', 65);
	n65[65] = '\0';
	CHECK(!wire_name_valid(n65));
	n65[64] = '\0';
	CHECK(wire_name_valid(n65));
	/* URLs and browsers normalise these away: never project names */
	CHECK(!wire_name_valid("."));
	CHECK(!wire_name_valid(".."));
	CHECK(wire_name_valid("..."));
	CHECK(wire_name_valid(".a"));
}

/* Node ids are case-insensitive on input, lowercase once parsed: the server
 * and the clients both read them with wire_node_id (1.0's client refused
 * the upper case the server took). */
TEST(node_ids)
{
	char id[WIRE_NODE_ID_LEN + 1];

	CHECK_INT(wire_node_id("0123456789abcdef0123456789ABCDEF", id), 0);
	CHECK_STR(id, "0123456789abcdef0123456789abcdef");
	CHECK_INT(wire_node_id("0123456789abcdef0123456789abcdef", NULL), 0);
	CHECK_INT(wire_node_id("0123456789abcdef0123456789abcde", id), -1);
	CHECK_INT(wire_node_id("0123456789abcdef0123456789abcdef0", id), -1);
	CHECK_INT(wire_node_id("g123456789abcdef0123456789abcdef", id), -1);
	CHECK_INT(wire_node_id("", id), -1);
}

TEST(text)
{
	CHECK(wire_text_valid("", 64));
	CHECK(wire_text_valid("volta <b>", 64));
	CHECK(wire_text_valid("M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x98\x80", 64));
	CHECK(!wire_text_valid("a\nb", 64));
	CHECK(!wire_text_valid("a\x7f", 64));
	CHECK(!wire_text_valid("\xc2\x85", 64));		/* C1 control */
	CHECK(!wire_text_valid("\xc0\xaf", 64));		/* overlong */
	CHECK(!wire_text_valid("\xe0\x80\xaf", 64));		/* overlong */
	CHECK(!wire_text_valid("\xed\xa0\x80", 64));		/* surrogate */
	CHECK(!wire_text_valid("\xf4\x90\x80\x80", 64));	/* > U+10FFFF */
	CHECK(!wire_text_valid("\xe2\x82", 64));		/* truncated */
	CHECK(!wire_text_valid("abcde", 4));
	CHECK(wire_text_valid("abcd", 4));
}

TEST(addresses)
{
	char a[WIRE_ADDR_MAX];
	int port;

	CHECK_INT(wire_addr_port("10.0.0.7", a, &port), 0);
	CHECK_STR(a, "10.0.0.7");
	CHECK_INT(port, 0);
	CHECK_INT(wire_addr_port("10.0.0.7:3700", a, &port), 0);
	CHECK_INT(port, 3700);
	CHECK_INT(wire_addr_port("[fe80::1]:3700", a, &port), 0);
	CHECK_STR(a, "fe80::1");
	CHECK_INT(port, 3700);
	CHECK_INT(wire_addr_port("2001:DB8:0:0::1", a, &port), 0);
	CHECK_STR(a, "2001:db8::1");
	CHECK_INT(wire_addr_port("::ffff:127.0.0.9", a, &port), 0);
	CHECK_STR(a, "127.0.0.9");
	CHECK(wire_addr_is_loopback(a));
	CHECK(wire_addr_is_loopback("::1"));
	CHECK(!wire_addr_is_loopback("10.0.0.1"));
	CHECK(!wire_addr_is_loopback("::2"));
	CHECK_INT(wire_addr_port("0.0.0.0", a, &port), -1);
	CHECK_INT(wire_addr_port("::", a, &port), -1);
	CHECK_INT(wire_addr_port("224.0.0.1", a, &port), -1);
	CHECK_INT(wire_addr_port("255.255.255.255", a, &port), -1);
	CHECK_INT(wire_addr_port("1.2.3.4:0", a, &port), -1);
	CHECK_INT(wire_addr_port("1.2.3.4:65536", a, &port), -1);
	CHECK_INT(wire_addr_port("1.2.3.4:", a, &port), -1);
	CHECK_INT(wire_addr_port("1.2.3.4 5.6.7.8", a, &port), -1);
	CHECK_INT(wire_addr_port("host.example", a, &port), -1);
	CHECK_INT(wire_addr_port("[::1", a, &port), -1);
	CHECK_INT(wire_addr_port("[::1]x", a, &port), -1);
	CHECK_INT(wire_addr_port("", a, &port), -1);
	CHECK_INT(wire_addr_port("01.2.3.4", a, &port), -1);
}

TEST(hosts_valid)
{
	char *big;

	CHECK(wire_hosts_valid("localhost"));
	CHECK(wire_hosts_valid(" localhost/4 127.0.0.2:3700/2 "));
	CHECK(wire_hosts_valid("[fe80::1]:3632/8 host-name.example_x/2"));
	CHECK(!wire_hosts_valid(""));
	CHECK(!wire_hosts_valid(" "));
	CHECK(!wire_hosts_valid("a\tb"));
	CHECK(!wire_hosts_valid("a,lzo"));
	CHECK(!wire_hosts_valid("a/0"));
	CHECK(!wire_hosts_valid("a/x"));
	CHECK(!wire_hosts_valid("a:0"));
	CHECK(!wire_hosts_valid("a:65536"));
	CHECK(!wire_hosts_valid("a/2/3"));
	CHECK(!wire_hosts_valid("a:1:2"));
	CHECK(!wire_hosts_valid("::1/2"));
	CHECK(!wire_hosts_valid("[]/2"));
	CHECK(!wire_hosts_valid("[x]/2"));
	CHECK(!wire_hosts_valid("/4"));
	CHECK(!wire_hosts_valid("a/4097"));		/* beyond WIRE_CORES_MAX */
	CHECK(wire_hosts_valid("a/4096"));
	/* options to distcc are never hosts, whatever their shape */
	CHECK(!wire_hosts_valid("--randomize"));
	CHECK(!wire_hosts_valid("localhost/2 --randomize"));
	CHECK(!wire_hosts_valid("-x/2"));
	CHECK(!wire_hosts_valid(".a/2"));
	/* at most WIRE_POOL_MAX slots in all */
	CHECK(wire_hosts_valid("a/4096 b/4096 c/4096 d/4096"));
	CHECK(!wire_hosts_valid("a/4096 b/4096 c/4096 d/4096 localhost/1"));
	big = xmalloc(WIRE_HOSTS_MAX + 2);
	memset(big, 'a', WIRE_HOSTS_MAX + 1);
	big[WIRE_HOSTS_MAX + 1] = '\0';
	CHECK(!wire_hosts_valid(big));
	big[WIRE_HOSTS_MAX] = '\0';
	CHECK(wire_hosts_valid(big));
	free(big);
}

/* The same lines were given to distcc 3.4 -j, which printed these sums. */
TEST(threads_like_distcc)
{
	CHECK_INT(wire_hosts_threads("localhost/4 127.0.0.2/8 127.0.0.3/16"), 28);
	CHECK_INT(wire_hosts_threads("localhost"), 2);
	CHECK_INT(wire_hosts_threads("127.0.0.2"), 4);
	CHECK_INT(wire_hosts_threads("localhost 127.0.0.2 127.0.0.3:4000 host.example"), 14);
	CHECK_INT(wire_hosts_threads("127.0.0.2:3700/6 127.0.0.3/7:3701"), 13);
	CHECK_INT(wire_hosts_threads("localhost:3632"), 4);
	CHECK_INT(wire_hosts_threads("[::1]:3632/3 [fe80::1]"), 7);
	CHECK_INT(wire_hosts_threads("  localhost/1  "), 1);
	CHECK_INT(wire_hosts_threads(""), 0);
	CHECK_INT(wire_hosts_threads("a/0"), -1);
}

int
main(void)
{
	RUN(names);
	RUN(node_ids);
	RUN(text);
	RUN(addresses);
	RUN(hosts_valid);
	RUN(threads_like_distcc);
	return test_summary();
}
