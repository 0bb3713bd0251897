#ifndef SUPERSET_WEBSOCKET_CSYSTEMD_SHIM_H
#define SUPERSET_WEBSOCKET_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#endif
