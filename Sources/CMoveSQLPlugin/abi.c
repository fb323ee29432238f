// The plug-in ABI is the header; this file only makes it a C target movesql can import.
#include "movesql_plugin.h"
