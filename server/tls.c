/*
 * tls.c — the server's certificate: read the PEM files for libmicrohttpd,
 * and compute the public-key pin clients check (libcurl's
 * CURLOPT_PINNEDPUBLICKEY form, "sha256//" + base64 of the SHA-256 of the
 * certificate's DER SubjectPublicKeyInfo). SHA-256 (FIPS 180-4), base64
 * (RFC 4648) and the few DER rules a certificate needs (X.690) are written
 * here, so the server links no crypto library of its own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

#define TLS_FILE_MAX	(256 * 1024)

/* SHA-256 */

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

static void
sha256_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 64; i++)
		w[i] = w[i - 16] + (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^
		    (w[i - 15] >> 3)) + w[i - 7] + (ROR(w[i - 2], 17) ^
		    ROR(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
		    ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
		    ((a & b) ^ (a & c) ^ (b & c));
		hh = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

/* Writes the SHA-256 digest of len bytes at data to out. */
void
tls_sha256(const void *data, size_t len, unsigned char out[32])
{
	uint32_t h[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	const unsigned char *p = data;
	unsigned char last[128];
	uint64_t bits = (uint64_t)len * 8;
	size_t rest, n, i;

	for (; len >= 64; p += 64, len -= 64)
		sha256_block(h, p);
	rest = len;
	memset(last, 0, sizeof(last));
	memcpy(last, p, rest);
	last[rest] = 0x80;
	n = rest + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		last[n - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha256_block(h, last);
	if (n == 128)
		sha256_block(h, last + 64);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(h[i] >> 8);
		out[4 * i + 3] = (unsigned char)h[i];
	}
}

/* base64 */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Writes len bytes as padded base64 and a NUL to out, which holds at least
 * 4 * ((len + 2) / 3) + 1 bytes. */
void
tls_base64(const unsigned char *in, size_t len, char *out)
{
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = b64[v >> 18];
		*out++ = b64[(v >> 12) & 63];
		*out++ = b64[(v >> 6) & 63];
		*out++ = b64[v & 63];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		*out++ = b64[v >> 18];
		*out++ = b64[(v >> 12) & 63];
		*out++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/* Decodes base64 text (whitespace skipped, '=' ends it) into a new buffer;
 * the caller frees. NULL when a character is not base64. */
static unsigned char *
base64_decode(const char *s, size_t slen, size_t *outlen)
{
	unsigned char *out = xmalloc(slen / 4 * 3 + 3);
	uint32_t v = 0;
	size_t n = 0, i;
	int bits = 0;
	const char *c;

	for (i = 0; i < slen && s[i] != '='; i++) {
		if (s[i] == '\n' || s[i] == '\r' || s[i] == ' ' || s[i] == '\t')
			continue;
		if (s[i] == '\0' || (c = strchr(b64, s[i])) == NULL) {
			free(out);
			return NULL;
		}
		v = v << 6 | (uint32_t)(c - b64);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(v >> bits);
		}
	}
	*outlen = n;
	return out;
}

/* DER */

/* One DER element: its tag, where its contents start and how long they
 * are, and where the element ends. */
struct der {
	const unsigned char *start;
	int	tag;
	const unsigned char *body;
	size_t	len;
	const unsigned char *end;
};

/* Reads the element at p (before lim). 0, or -1 when it is not DER. */
static int
der_read(const unsigned char *p, const unsigned char *lim, struct der *d)
{
	size_t len = 0, n;

	if (lim - p < 2)
		return -1;
	d->start = p;
	d->tag = p[0];
	if ((p[0] & 0x1f) == 0x1f)	/* long-form tags: not in a certificate */
		return -1;
	if (p[1] < 0x80) {
		len = p[1];
		p += 2;
	} else {
		n = p[1] & 0x7f;
		if (n == 0 || n > 4 || (size_t)(lim - p) < 2 + n)
			return -1;
		for (p += 2; n > 0; n--)
			len = len << 8 | *p++;
	}
	if (len > (size_t)(lim - p))
		return -1;
	d->body = p;
	d->len = len;
	d->end = p + len;
	return 0;
}

/* "YYMMDDHHMMSSZ" (UTCTime) or "YYYYMMDDHHMMSSZ" (GeneralizedTime) to
 * seconds since the epoch; -1 when it is neither. */
static int64_t
der_time(const struct der *d)
{
	const unsigned char *s = d->body;
	int v[6], i, year;
	size_t ylen = d->tag == 0x17 ? 2 : 4;
	struct tm tm;

	if ((d->tag != 0x17 && d->tag != 0x18) || d->len != ylen + 11 ||
	    s[d->len - 1] != 'Z')
		return -1;
	for (i = 0; i < (int)(d->len - 1); i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	year = 0;
	for (i = 0; i < (int)ylen; i++)
		year = year * 10 + (s[i] - '0');
	if (ylen == 2)
		year += year < 50 ? 2000 : 1900;
	for (i = 0; i < 5; i++)
		v[i] = (s[ylen + 2 * i] - '0') * 10 + (s[ylen + 2 * i + 1] - '0');
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = v[0] - 1;
	tm.tm_mday = v[1];
	tm.tm_hour = v[2];
	tm.tm_min = v[3];
	tm.tm_sec = v[4];
	(void)v[5];
	return (int64_t)timegm(&tm);
}

/* Finds in a DER certificate its SubjectPublicKeyInfo (the whole element)
 * and its validity. 0, or -1 with err set.
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, sig }
 *   tbsCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber,
 *       signature, issuer, validity, subject, subjectPublicKeyInfo, ... } */
int
tls_cert_parse(const unsigned char *der, size_t len, const unsigned char **spki,
    size_t *spki_len, int64_t *not_before, int64_t *not_after, char *err)
{
	const unsigned char *lim = der + len;
	struct der cert, tbs, e, t;
	int i;

	if (der_read(der, lim, &cert) == -1 || cert.tag != 0x30 ||
	    der_read(cert.body, cert.end, &tbs) == -1 || tbs.tag != 0x30)
		goto bad;
	if (der_read(tbs.body, tbs.end, &e) == -1)
		goto bad;
	if (e.tag == 0xa0 && der_read(e.end, tbs.end, &e) == -1)	/* version */
		goto bad;
	/* e is serialNumber; skip it, signature and issuer */
	for (i = 0; i < 3; i++)
		if (der_read(e.end, tbs.end, &e) == -1)
			goto bad;
	if (e.tag != 0x30)		/* validity */
		goto bad;
	if (der_read(e.body, e.end, &t) == -1 ||
	    (*not_before = der_time(&t)) == -1 ||
	    der_read(t.end, e.end, &t) == -1 ||
	    (*not_after = der_time(&t)) == -1)
		goto bad;
	if (der_read(e.end, tbs.end, &e) == -1 ||	/* subject */
	    der_read(e.end, tbs.end, &e) == -1 || e.tag != 0x30)
		goto bad;
	*spki = e.start;
	*spki_len = (size_t)(e.end - e.start);
	return 0;
bad:
	seterr(err, "not an X.509 certificate (DER)");
	return -1;
}

/* Decodes the first "CERTIFICATE" block of PEM text into a new DER buffer;
 * the caller frees. NULL with err set when there is none. */
static unsigned char *
pem_first_cert(const char *pem, size_t *len, char *err)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	const char *b, *e;
	unsigned char *der;

	if ((b = strstr(pem, begin)) == NULL ||
	    (e = strstr(b, end)) == NULL) {
		seterr(err, "no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
		return NULL;
	}
	b += sizeof(begin) - 1;
	if ((der = base64_decode(b, (size_t)(e - b), len)) == NULL)
		seterr(err, "the PEM certificate is not valid base64");
	return der;
}

/* Computes the pin of the first certificate of PEM text into pin
 * (TLS_PIN_MAX bytes) and its validity. 0, or -1 with err set. */
int
tls_pem_pin(const char *pem, char *pin, int64_t *not_before, int64_t *not_after,
    char *err)
{
	const unsigned char *spki;
	unsigned char *der, digest[32];
	size_t len, spki_len;
	int rc;

	if ((der = pem_first_cert(pem, &len, err)) == NULL)
		return -1;
	rc = tls_cert_parse(der, len, &spki, &spki_len, not_before, not_after,
	    err);
	if (rc == 0) {
		tls_sha256(spki, spki_len, digest);
		memcpy(pin, "sha256//", 8);
		tls_base64(digest, sizeof(digest), pin + 8);
	}
	free(der);
	return rc;
}

/* Reads c->tls_cert and c->tls_key for libmicrohttpd and computes the pin.
 * Warns when the certificate is not valid now or expires within 30 days.
 * Without both keys set, t stays empty (plain HTTP). 0, or -1 with err. */
int
tls_load(const struct server_config *c, struct tls_files *t, char *err)
{
	char e[ERR_MAX];
	int64_t nb, na, now = (int64_t)now_wall();

	memset(t, 0, sizeof(*t));
	if (c->tls_cert == NULL && c->tls_key == NULL)
		return 0;
	if (c->tls_cert == NULL || c->tls_key == NULL) {
		seterr(err, "tls_cert and tls_key go together: set both or neither");
		return -1;
	}
	if ((t->cert = file_read(c->tls_cert, TLS_FILE_MAX, NULL, e)) == NULL ||
	    (t->key = file_read(c->tls_key, TLS_FILE_MAX, NULL, e)) == NULL) {
		seterr(err, "%s", e);
		goto fail;
	}
	if (tls_pem_pin(t->cert, t->pin, &nb, &na, e) == -1) {
		seterr(err, "tls_cert %s: %s", c->tls_cert, e);
		goto fail;
	}
	if (strstr(t->key, "-----BEGIN ") == NULL ||
	    strstr(t->key, "PRIVATE KEY-----") == NULL) {
		seterr(err, "tls_key %s: no PEM private key in it", c->tls_key);
		goto fail;
	}
	t->not_after = na;
	if (now < nb)
		log_warn("tls_cert %s is not valid yet (from %lld, now %lld): "
		    "clients will refuse it", c->tls_cert, (long long)nb,
		    (long long)now);
	else if (now > na)
		log_warn("tls_cert %s has EXPIRED: clients will refuse it; "
		    "renew it (scripts/install-server.sh --tls)", c->tls_cert);
	else if (na - now < 30 * 86400)
		log_warn("tls_cert %s expires in %lld days", c->tls_cert,
		    (long long)((na - now) / 86400));
	return 0;
fail:
	tls_files_free(t);
	return -1;
}

/* Frees what tls_load read; the key's bytes are wiped first. */
void
tls_files_free(struct tls_files *t)
{
	if (t->key != NULL)
		explicit_bzero(t->key, strlen(t->key));
	free(t->cert);
	free(t->key);
	memset(t, 0, sizeof(*t));
}
