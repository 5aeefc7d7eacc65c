/*
 * lazylib.c — loading a shared library when it is first needed. dcc starts
 * once per compile and almost never talks to the server; linking libcurl
 * and libcjson normally would make every start map and relocate them (some
 * 30 libraries for libcurl). http.c and hostlist.c load them here instead.
 */
#include <dlfcn.h>

#include "client.h"

/* dlopens soname and resolves every symbol of syms into its pointer.
 * 0, or -1 with err (the pointers are then not to be used). Not
 * thread-safe: callers run it under pthread_once. */
int
lazylib_load(const char *soname, const struct lazylib_sym *syms, size_t n,
    char *err)
{
	void *lib;
	size_t i;

	if ((lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		seterr(err, "cannot load %s: %s", soname, dlerror());
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((*syms[i].fn = dlsym(lib, syms[i].name)) == NULL) {
			seterr(err, "%s: no symbol %s", soname, syms[i].name);
			return -1;
		}
	return 0;
}
