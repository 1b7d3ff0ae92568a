/* The detected serial setting on disk (line_memo.h). The file is plain text a
 * user may read or delete:
 *
 *     # hanp1d: the serial setting detected on this device; delete to detect again
 *     device=/dev/ttyUSB0
 *     baud=2400
 *     parity=8E1
 */
#include "line_memo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source.h"

#define LINE_MAX_LEN (HP_PATH_MAX + 16)

bool hp_line_memo_path(const char *store_path, const char *meter, char *out, size_t size)
{
	const char *slash = strrchr(store_path, '/');
	int dir_len = slash == NULL ? 1 : (int)(slash - store_path);
	const char *dir = slash == NULL ? "." : store_path;
	if (slash == store_path) /* a database in / */
		dir_len = 0;
	int n = snprintf(out, size, "%.*s/line-%s.txt", dir_len, dir, meter);
	return n > 0 && (size_t)n < size;
}

static bool parse_parity(const char *v, enum hp_parity *out)
{
	static const enum hp_parity all[] = {HP_PARITY_8N1, HP_PARITY_8E1, HP_PARITY_7E1};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(v, hp_parity_name(all[i])) == 0) {
			*out = all[i];
			return true;
		}
	return false;
}

bool hp_line_memo_load(const char *path, const char *device, struct hp_line_setting *out)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return false;
	char line[LINE_MAX_LEN];
	bool same_device = false, has_parity = false;
	unsigned long baud = 0;
	enum hp_parity parity = HP_PARITY_8N1;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (line[0] == '#' || eq == NULL)
			continue;
		*eq = '\0';
		const char *key = line, *value = eq + 1;
		if (strcmp(key, "device") == 0)
			same_device = strcmp(value, device) == 0;
		else if (strcmp(key, "baud") == 0)
			baud = strtoul(value, NULL, 10);
		else if (strcmp(key, "parity") == 0)
			has_parity = parse_parity(value, &parity);
	}
	fclose(f);
	/* Rates a UART of a Pi or a USB adapter can do; anything else is not ours. */
	if (!same_device || !has_parity || baud < 300 || baud > 4000000)
		return false;
	*out = (struct hp_line_setting){.baud = (unsigned)baud, .parity = parity};
	return true;
}

int hp_line_memo_save(const char *path, const char *device, struct hp_line_setting at)
{
	char tmp[HP_PATH_MAX + 8];
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	FILE *f = fopen(tmp, "we");
	if (f == NULL)
		return -1;
	fprintf(f,
		"# hanp1d: the serial setting detected on this device; delete to detect "
		"again\ndevice=%s\nbaud=%u\nparity=%s\n",
		device, at.baud, hp_parity_name(at.parity));
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}
