/* SPDX-License-Identifier: MIT */
/* replay.c -- runs a libFuzzer harness without libFuzzer: every file of a corpus folder
 * (argv[1]) goes through LLVMFuzzerTestOneInput once, in name order, as one TAP test.
 * A harness reports a finding by aborting, so a crash leaves the plan unfulfilled and the
 * name of the file that caused it is the last line printed. */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (1 << 20)

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	struct dirent **names;
	int n = scandir(argv[1], &names, not_hidden, by_name);
	if (n <= 0) {
		printf("Bail out! no corpus files in %s\n", argv[1]);
		return 1;
	}
	static uint8_t buf[INPUT_MAX];
	int failed = 0;
	printf("1..%d\n", n);
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]->d_name);
		FILE *fp = fopen(path, "rb");
		size_t len = fp ? fread(buf, 1, sizeof(buf), fp) : 0;
		bool readable = fp && !ferror(fp);
		if (fp)
			fclose(fp);
		uint8_t *data = readable ? malloc(len ? len : 1) : NULL;
		if (!data) {
			printf("not ok %d - %s: cannot read\n", i + 1, names[i]->d_name);
			failed++;
			free(names[i]);
			continue;
		}
		printf("# %s (%zu bytes)\n", names[i]->d_name, len);
		fflush(stdout);
		/* A copy of exactly len bytes: reading past the input is then an ASan error. */
		memcpy(data, buf, len);
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		printf("ok %d - %s\n", i + 1, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return failed ? 1 : 0;
}
