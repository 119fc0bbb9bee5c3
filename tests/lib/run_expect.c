/* Runs commands one after another and checks each one's exit code: the
 * tests of hopchain on whole inputs that the valgrind test setup wraps
 * (meson test --setup valgrind: valgrind runs this program and follows it
 * into hopchain, whose valgrind errors make it exit 99).
 *
 *   run_expect CODES PROG [ARG...] [';' CODES PROG [ARG...]]...
 *
 * CODES: the exit codes allowed ("0", "0,1,3"). "{tmp}" in an ARG is one
 * fresh temporary directory for the whole run, removed at the end. Exit 0
 * when every command exited with an allowed code; 1 when one did not (a
 * signal, another code, valgrind's 99); 2 on a usage error. */
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmp[256];

static bool allowed(const char *codes, int code)
{
	char buf[64], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", codes);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (atoi(t) == code)
			return true;
	return false;
}

/* ARG with "{tmp}" replaced (a new string) or ARG itself. */
static char *subst(char *arg)
{
	char *at = strstr(arg, "{tmp}"), *out;
	size_t n;

	if (!at)
		return arg;
	if (!tmp[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(tmp, sizeof(tmp), "%s/hc-run-XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(tmp)) {
			perror("run_expect: mkdtemp");
			exit(2);
		}
	}
	n = strlen(arg) + strlen(tmp);
	out = malloc(n);
	if (!out)
		exit(2);
	snprintf(out, n, "%.*s%s%s", (int)(at - arg), arg, tmp, at + 5);
	return out;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static int run(const char *codes, char **argv)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("run_expect: fork");
		return 1;
	}
	if (pid == 0) {
		execv(argv[0], argv);
		fprintf(stderr, "run_expect: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFEXITED(status) && allowed(codes, WEXITSTATUS(status)))
		return 0;
	fprintf(stderr, "run_expect: FAIL: %s", argv[0]);
	for (char **a = argv + 1; *a; a++)
		fprintf(stderr, " %s", *a);
	if (WIFEXITED(status))
		fprintf(stderr, ": exit %d, want %s\n", WEXITSTATUS(status), codes);
	else
		fprintf(stderr, ": killed by signal %d\n", WTERMSIG(status));
	return 1;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc < 3) {
		fprintf(stderr,
		        "usage: run_expect CODES PROG [ARG...] [';' CODES PROG [ARG...]]...\n");
		return 2;
	}
	for (int i = 1; i < argc;) {
		int j = i + 1;
		while (j < argc && strcmp(argv[j], ";") != 0)
			j++;
		if (j - i < 2) {
			fprintf(stderr, "run_expect: a command without a program\n");
			return 2;
		}
		char **cmd = calloc((size_t)(j - i), sizeof(*cmd));
		if (!cmd)
			return 2;
		for (int k = i + 1; k < j; k++)
			cmd[k - i - 1] = subst(argv[k]);
		rc |= run(argv[i], cmd);
		for (int k = i + 1; k < j; k++)
			if (cmd[k - i - 1] != argv[k])
				free(cmd[k - i - 1]);
		free(cmd);
		i = j + 1;
	}
	if (tmp[0])
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
