/*
 * schema.h - the database schema, embedded at build time from schema/NNN_name.sql.
 *
 * Migration i brings a database from user_version (version - 1) to version.  They are
 * applied forward only, each in its own transaction, by store.c.
 */
#ifndef RT_SCHEMA_H
#define RT_SCHEMA_H

struct rt_migration {
    int version;        /* the user_version after this migration */
    const char *name;   /* file name without .sql, e.g. "001_init" */
    const char *sql;    /* the whole file */
};

extern const struct rt_migration rt_migrations[];
extern const int rt_migrations_count;

#endif
