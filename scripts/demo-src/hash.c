/* hash.c — FNV-1a, for the variable table. */
#include "calc.h"

unsigned
hash_str(const char *s)
{
	unsigned h = 2166136261u;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}
