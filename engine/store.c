/* SQLite behind one file. */
#include "store.h"

#include <sqlite3.h>

const char *hc_store_sqlite_version(void)
{
	return sqlite3_libversion();
}
