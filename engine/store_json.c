/* EventData as the store keeps it: one flat JSON object {"Name":"text",...}
 * per event, written and read back here only (store_write.c encodes,
 * store_load.c decodes).
 *
 * Written by hand rather than through jansson on purpose, for speed: the
 * format is one flat object of strings, and a case of a large fleet holds
 * millions of events. bench/store_json.c measures both ways on the same
 * events; see bench/README.md for the figures. */
#include "store_int.h"
#include "../base/utf8.h"

#include <string.h>

/* Appends `s` to b as a JSON string: every invalid UTF-8 byte as U+FFFD,
 * quotes, backslashes and control characters escaped. */
static int put_string(struct hc_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	int rc;

	if ((rc = hc_buf_reserve(b, strlen(s) * 6 + 3, HC_MAX_STORE_JSON)) < 0)
		return rc;
	b->p[b->len++] = '"';
	while (*p) {
		size_t k = hc_utf8_seq(p, SIZE_MAX);
		if (!k) {
			memcpy(b->p + b->len, HC_UTF8_REPLACEMENT, 3);
			b->len += 3;
			p++;
		} else if (*p < 0x20 || *p == '"' || *p == '\\') {
			b->p[b->len++] = '\\';
			if (*p == '"' || *p == '\\') {
				b->p[b->len++] = (char)*p;
			} else {
				memcpy(b->p + b->len, "u00", 3);
				b->len += 3;
				b->p[b->len++] = hex[*p >> 4];
				b->p[b->len++] = hex[*p & 15];
			}
			p++;
		} else {
			memcpy(b->p + b->len, p, k);
			b->len += k;
			p += k;
		}
	}
	b->p[b->len++] = '"';
	return HC_OK;
}

int hc_store_data_encode(const struct hc_event *ev, struct hc_buf *b)
{
	bool first = true;
	int rc;

	b->len = 0;
	if ((rc = hc_buf_add(b, "{", 1, HC_MAX_STORE_JSON)) < 0)
		return rc;
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct hc_field *f = &ev->fields[i];
		bool dup = false;
		if (!f->name)
			continue;
		for (size_t k = 0; k < i && !dup; k++)
			dup = ev->fields[k].name && strcmp(ev->fields[k].name, f->name) == 0;
		if (dup)
			continue;
		if ((!first && (rc = hc_buf_add(b, ",", 1, HC_MAX_STORE_JSON)) < 0) ||
		    (rc = put_string(b, f->name)) < 0 ||
		    (rc = hc_buf_add(b, ":", 1, HC_MAX_STORE_JSON)) < 0 ||
		    (rc = put_string(b, f->value ? f->value : "")) < 0)
			return rc;
		first = false;
	}
	if ((rc = hc_buf_add(b, "}", 2, HC_MAX_STORE_JSON)) < 0) /* with its NUL */
		return rc;
	b->len--;
	return HC_OK;
}

/* Reads the JSON string at *p (after its opening quote) into out, UTF-8;
 * moves *p past the closing quote. Returns the length, or -1 when the text
 * is not a JSON string. `out` holds at least as many bytes as the input. */
static long get_string(const char **p, char *out)
{
	const char *s = *p;
	char *o = out;

	for (;;) {
		unsigned char c = (unsigned char)*s++;
		if (c == '"')
			break;
		if (c == '\0' || c < 0x20)
			return -1;
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		c = (unsigned char)*s++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			*o++ = (char)c;
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u': {
			unsigned cp = 0;
			for (int k = 0; k < 4; k++) {
				char h = *s++;
				cp <<= 4;
				if (h >= '0' && h <= '9')
					cp |= (unsigned)(h - '0');
				else if (h >= 'a' && h <= 'f')
					cp |= (unsigned)(h - 'a' + 10);
				else if (h >= 'A' && h <= 'F')
					cp |= (unsigned)(h - 'A' + 10);
				else
					return -1;
			}
			if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
				cp = 0xfffd; /* the encoder never makes these */
			o += hc_utf8_put(o, cp);
			break;
		}
		default:
			return -1;
		}
	}
	*o = '\0';
	*p = s;
	return (long)(o - out);
}

long hc_store_data_decode(const char *json, char *buf, const char **names, const char **values)
{
	const char *p = json;
	char *o = buf;
	long n = 0;

	while (*p == ' ')
		p++;
	if (*p++ != '{')
		return -1;
	while (*p == ' ')
		p++;
	if (*p == '}')
		return p[1] == '\0' ? 0 : -1;
	for (;;) {
		long k;
		if (n >= HC_MAX_FIELDS || *p++ != '"' || (k = get_string(&p, o)) < 0)
			return -1;
		names[n] = o;
		o += k + 1;
		if (*p++ != ':' || *p++ != '"' || (k = get_string(&p, o)) < 0)
			return -1;
		values[n++] = o;
		o += k + 1;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}' && p[1] == '\0')
			return n;
		return -1;
	}
}
