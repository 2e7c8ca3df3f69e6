/*
 * uuid.h - random (version 4) UUIDs for run identities.
 *
 * A run's uuid is what links a replay to its source across databases and machines, so it must
 * be unique without coordination: 122 random bits from the kernel (getrandom(2), or
 * /dev/urandom on a kernel without it), falling back to a clock/pid/counter mix only if
 * neither can be read.
 */
#ifndef RT_UUID_H
#define RT_UUID_H

/*
 * Write a lowercase RFC 9562 version-4 UUID ("xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx", N in
 * 8..b) and its NUL into out (37 bytes).  Returns out.  Never fails.
 */
char *rt_uuid_v4(char out[37]);

#endif
