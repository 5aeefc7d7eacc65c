/*
 * shim.h — internal interfaces of the clients, dcc and dcc-heartbeat,
 * grouped by file.
 */
#ifndef DYNDISTCC_SHIM_H
#define DYNDISTCC_SHIM_H

#include "util.h"

#endif
