#!/usr/bin/env python3
"""fake_conduit.py - a stand-in for Phabricator's Conduit API, for tests/cli/analyze_phab.sh.

Usage: fake_conduit.py PORT_FILE LOG_FILE TOKEN

Listens on 127.0.0.1 on an ephemeral port (written to PORT_FILE once it accepts), answers
POST /api/<method> the way Conduit does (HTTP 200, {"result", "error_code", "error_info"}),
and appends every call it got to LOG_FILE as one JSON line: the method, the token it carried
and its decoded parameters.  It knows three methods:
  file.upload     -> "PHID-FILE-fake1" (keeps the decoded bytes: the log gets them as text)
  file.search     -> {"data": [{"id": 4242, "phid": <the PHID asked for>}]}
  maniphest.edit  -> the task, or ERR-CONDUIT-CORE when the task is not T409388
A call whose token is not TOKEN gets ERR-INVALID-AUTH, like Conduit.  Runs until killed.
"""
import base64
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT_FILE, LOG_FILE, TOKEN = sys.argv[1], sys.argv[2], sys.argv[3]
KNOWN_TASK = "T409388"


def answer(result=None, code=None, info=None):
    return {"result": result, "error_code": code, "error_info": info}


def handle(method, params):
    if method == "file.upload":
        return answer("PHID-FILE-fake1")
    if method == "file.search":
        phids = params.get("constraints", {}).get("phids", [])
        data = [{"id": 4242, "phid": p} for p in phids if p == "PHID-FILE-fake1"]
        return answer({"data": data, "cursor": {"after": None}})
    if method == "maniphest.edit":
        task = params.get("objectIdentifier")
        if task != KNOWN_TASK:
            return answer(None, "ERR-CONDUIT-CORE",
                          'Monogram "%s" does not identify a valid object.' % task)
        return answer({"object": {"id": 409388, "phid": "PHID-TASK-fake"},
                       "transactions": [{"phid": "PHID-XACT-TASK-fake"}]})
    return answer(None, "ERR-CONDUIT-CALL", 'Conduit method "%s" does not exist.' % method)


class Conduit(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        method = self.path.rsplit("/", 1)[-1]
        params = json.loads(form.get("params", ["{}"])[0])
        token = params.pop("__conduit__", {}).get("token")
        logged = dict(params)
        if "data_base64" in logged:
            logged["data"] = base64.b64decode(logged.pop("data_base64"), validate=True).decode()
        with open(LOG_FILE, "a") as log:
            log.write(json.dumps({"method": method, "token": token, "output":
                                  form.get("output", [None])[0], "params": logged}) + "\n")
        if token != TOKEN:
            reply = answer(None, "ERR-INVALID-AUTH", "API token \"%s\" could not be found."
                           % ("api-" + "*" * 4))
        else:
            reply = handle(method, params)
        body = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Conduit)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
__import__("os").rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
