#ifndef C_HIREDIS_SHIM_H
#define C_HIREDIS_SHIM_H

// Only hiredis's RESP reader is used (redisReaderCreate/Feed/GetReply and
// freeReplyObject); its networking (redisConnect) is not, because Debian 12's
// hiredis 0.14 cannot do TLS.
#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#endif
