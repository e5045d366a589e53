/* SPDX-License-Identifier: MIT */
/* replay.c -- runs a libFuzzer harness without libFuzzer: every input goes through
 * LLVMFuzzerTestOneInput once, in name order, each as one TAP test.
 *
 * Linked with each harness into tests/fuzz/replay_NAME (FUZZ_NAME, see Makefile.inc). With no
 * argument it replays the harness's corpus, $TOP_SRCDIR/tests/fuzz/corpus/NAME (make check
 * sets TOP_SRCDIR); arguments are corpus folders or single files instead, to reproduce a
 * finding: tests/fuzz/replay_tcp build-fuzz/tcp/findings/crash-1234abcd.
 * A harness reports a finding by aborting, so a crash leaves the plan unfulfilled and the
 * name of the file that caused it is the last line printed. */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_NAME
#error "FUZZ_NAME: the harness's name, which is also its corpus folder's"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (1 << 20)

typedef struct inputs {
	char **path;
	size_t n, cap;
} inputs_t;

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void out_of_memory(void)
{
	printf("Bail out! out of memory\n");
	exit(1);
}

static void add(inputs_t *in, const char *dir, const char *name)
{
	if (in->n == in->cap) {
		in->cap = in->cap ? 2 * in->cap : 64;
		char **grown = realloc(in->path, in->cap * sizeof(*in->path));
		if (!grown)
			out_of_memory();
		in->path = grown;
	}
	size_t len = strlen(dir) + strlen(name) + 2;
	char *p = malloc(len);
	if (!p)
		out_of_memory();
	snprintf(p, len, "%s%s%s", dir, *name ? "/" : "", name);
	in->path[in->n++] = p;
}

/* A folder adds its files in name order; a file adds itself. */
static void add_arg(inputs_t *in, const char *arg)
{
	struct stat st;
	if (stat(arg, &st) != 0) {
		printf("Bail out! cannot read %s\n", arg);
		exit(1);
	}
	if (!S_ISDIR(st.st_mode)) {
		add(in, arg, "");
		return;
	}
	struct dirent **names;
	int n = scandir(arg, &names, not_hidden, by_name);
	if (n <= 0) {
		printf("Bail out! no corpus files in %s\n", arg);
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		add(in, arg, names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	inputs_t in = {0};
	char corpus[4096];
	if (argc < 2) {
		const char *top = getenv("TOP_SRCDIR");
		if (!top) {
			fprintf(stderr,
			        "usage: %s [CORPUS_DIR|FILE]... (default: "
			        "$TOP_SRCDIR/tests/fuzz/corpus/" FUZZ_NAME ")\n",
			        argv[0]);
			return 2;
		}
		snprintf(corpus, sizeof(corpus), "%s/tests/fuzz/corpus/%s", top, FUZZ_NAME);
		add_arg(&in, corpus);
	}
	for (int i = 1; i < argc; i++)
		add_arg(&in, argv[i]);

	static uint8_t buf[INPUT_MAX];
	int failed = 0;
	printf("1..%zu\n", in.n);
	for (size_t i = 0; i < in.n; i++) {
		const char *name =
		    strrchr(in.path[i], '/') ? strrchr(in.path[i], '/') + 1 : in.path[i];
		FILE *fp = fopen(in.path[i], "rb");
		size_t len = fp ? fread(buf, 1, sizeof(buf), fp) : 0;
		bool readable = fp && !ferror(fp);
		if (fp)
			fclose(fp);
		uint8_t *data = readable ? malloc(len ? len : 1) : NULL;
		if (!data) {
			printf("not ok %zu - %s: cannot read\n", i + 1, name);
			failed++;
			free(in.path[i]);
			continue;
		}
		printf("# %s (%zu bytes)\n", name, len);
		fflush(stdout);
		/* A copy of exactly len bytes: reading past the input is then an ASan error. */
		memcpy(data, buf, len);
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		printf("ok %zu - %s %s\n", i + 1, FUZZ_NAME, name);
		free(in.path[i]);
	}
	free(in.path);
	return failed ? 1 : 0;
}
