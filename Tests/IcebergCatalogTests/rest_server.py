"""A small Iceberg REST catalog server for the tests: the REST protocol's routes over
pyiceberg's SqlCatalog (which validates each commit's requirements and applies its updates
atomically, writing the metadata files). Prints `PORT <n>` once it listens.

    python rest_server.py <catalog.db> <warehouse-folder> [port]
"""
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import (CommitFailedException, NamespaceAlreadyExistsError, NoSuchNamespaceError,
                                  NoSuchTableError, TableAlreadyExistsError)
from pyiceberg.partitioning import PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.table import CommitTableRequest

catalog_db, warehouse = sys.argv[1], sys.argv[2]
port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
cat = SqlCatalog("default", uri="sqlite:///" + catalog_db, warehouse="file://" + warehouse)
cat.create_tables() if hasattr(cat, "create_tables") else None


def table_result(t):
    return {"metadata-location": t.metadata_location, "metadata": json.loads(t.metadata.model_dump_json()), "config": {}}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, kind, message):
        self.reply(status, {"error": {"message": message, "type": kind, "code": status}})

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")

    def route(self, method):
        path = urllib.parse.urlparse(self.path).path
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        try:
            if parts == ["v1", "config"]:
                return self.reply(200, {"defaults": {}, "overrides": {}})
            if parts[:2] != ["v1", "namespaces"]:
                return self.error(404, "NotFound", path)
            rest = parts[2:]
            if not rest:
                if method == "GET":
                    return self.reply(200, {"namespaces": [list(n) for n in cat.list_namespaces()]})
                if method == "POST":
                    b = self.body()
                    cat.create_namespace(tuple(b["namespace"]), b.get("properties", {}))
                    return self.reply(200, {"namespace": b["namespace"], "properties": b.get("properties", {})})
            ns = tuple(rest[0].split("\x1f"))
            if len(rest) == 1:
                if method in ("GET", "HEAD"):
                    return self.reply(200, {"namespace": list(ns), "properties": cat.load_namespace_properties(ns)})
                if method == "DELETE":
                    cat.drop_namespace(ns)
                    return self.reply(204)
            if len(rest) == 2 and rest[1] == "tables":
                if method == "GET":
                    return self.reply(200, {"identifiers": [{"namespace": list(i[:-1]), "name": i[-1]} for i in cat.list_tables(ns)]})
                if method == "POST":
                    b = self.body()
                    schema = Schema.model_validate(b["schema"])
                    spec = PartitionSpec.model_validate(b["partition-spec"]) if b.get("partition-spec") else PartitionSpec()
                    t = cat.create_table(ns + (b["name"],), schema=schema, partition_spec=spec, properties=b.get("properties", {}))
                    return self.reply(200, table_result(t))
            if len(rest) == 3 and rest[1] == "tables":
                ident = ns + (rest[2],)
                if method in ("GET", "HEAD"):
                    return self.reply(200, table_result(cat.load_table(ident)))
                if method == "DELETE":
                    cat.drop_table(ident)
                    return self.reply(204)
                if method == "POST":
                    request = CommitTableRequest.model_validate(self.body())
                    response = cat.commit_table(cat.load_table(ident), tuple(request.requirements), tuple(request.updates))
                    return self.reply(200, {"metadata-location": response.metadata_location,
                                            "metadata": json.loads(response.metadata.model_dump_json())})
            return self.error(405, "MethodNotAllowed", method + " " + path)
        except (NoSuchTableError, NoSuchNamespaceError) as e:
            return self.error(404, type(e).__name__, str(e))
        except (TableAlreadyExistsError, NamespaceAlreadyExistsError, CommitFailedException) as e:
            return self.error(409, type(e).__name__, str(e))
        except Exception as e:  # noqa: BLE001 — the test reads the message
            return self.error(500, type(e).__name__, repr(e))

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")

    def do_HEAD(self):
        self.route("HEAD")


# The test runner may hand us SIGTERM blocked: unblock it, and exit when our parent goes.
import os
import signal
import threading
import time

signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
parent = os.getppid()


def watch_parent():
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


threading.Thread(target=watch_parent, daemon=True).start()
server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
