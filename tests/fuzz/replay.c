/* The replay main of the fuzz targets: runs LLVMFuzzerTestOneInput once
 * on every file named (directories: every file in them, not recursive).
 * Exit 0 when all ran, 1 when a file could not be read, 77 when no input
 * was given (skip). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define HC_REPLAY_MAX (64u << 20)

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	size_t n;

	if (!f) {
		perror(path);
		return 1;
	}
	buf = malloc(HC_REPLAY_MAX);
	if (!buf) {
		fclose(f);
		return 1;
	}
	n = fread(buf, 1, HC_REPLAY_MAX, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0, files = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			rc = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			rc |= run_file(argv[i]);
			files++;
			continue;
		}
		struct dirent **names;
		int n = scandir(argv[i], &names, NULL, alphasort);
		for (int k = 0; k < n; k++) {
			char p[4096];
			snprintf(p, sizeof(p), "%s/%s", argv[i], names[k]->d_name);
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
				rc |= run_file(p);
				files++;
			}
			free(names[k]);
		}
		free(names);
	}
	printf("replayed %d inputs\n", files);
	return files == 0 ? 77 : rc;
}
