/* The PCRE2 wrapper: the only file that includes pcre2.h. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

struct hc_regex {
	pcre2_code *code;
	pcre2_match_context *mctx;
	pcre2_match_data *md;
};

int hc_regex_compile(const char *pattern, int icase, struct hc_regex **ret, struct hc_diag *d)
{
	struct hc_regex *re;
	int errcode = 0;
	PCRE2_SIZE erroff = 0;

	if (strlen(pattern) > HC_MAX_PATTERN_LEN) {
		hc_diag_set(d, "pattern longer than %d bytes", HC_MAX_PATTERN_LEN);
		return HC_ERR_USAGE;
	}
	re = calloc(1, sizeof(*re));
	if (!re)
		return HC_ERR_NOMEM;
	re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	                         PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (icase ? PCRE2_CASELESS : 0),
	                         &errcode, &erroff, NULL);
	if (!re->code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		hc_diag_set(d, "%s", (const char *)msg);
		d->offset = erroff;
		d->has_offset = true;
		free(re);
		return HC_ERR_USAGE;
	}
	re->mctx = pcre2_match_context_create(NULL);
	re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
	if (!re->mctx || !re->md) {
		hc_regex_free(re);
		return HC_ERR_NOMEM;
	}
	pcre2_set_match_limit(re->mctx, HC_REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, HC_REGEX_DEPTH_LIMIT);
	*ret = re;
	return HC_OK;
}

int hc_regex_match(const struct hc_regex *re, const char *subject, size_t len)
{
	int rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, 0, 0, re->md, re->mctx);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return HC_ERR_LIMIT;
}

void hc_regex_free(struct hc_regex *re)
{
	if (!re)
		return;
	pcre2_match_data_free(re->md);
	pcre2_match_context_free(re->mctx);
	pcre2_code_free(re->code);
	free(re);
}

const char *hc_regex_version(void)
{
	static char buf[64];

	if (!buf[0])
		pcre2_config(PCRE2_CONFIG_VERSION, buf);
	return buf;
}
