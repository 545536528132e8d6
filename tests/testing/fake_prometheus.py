#!/usr/bin/env python3
"""A fake Prometheus HTTP API for nbsched's usage-poller tests (stdlib only).

GET /api/v1/query?query=Q answers an instant vector, as Prometheus does:
  {"status": "success", "data": {"resultType": "vector",
   "result": [{"metric": {...labels...}, "value": [<unix seconds>, "<value>"]}, ...]}}
with the series set for exactly that query string (none set: an empty vector, as for a query
that matches nothing). A series' time is the time of the GET minus its age.

A second, plain-HTTP control port drives it from the test:
  POST /_fake/series  {"query": Q, "series": [{"metric": {"node": "w1"}, "value": "0.5",
                                               "age_seconds": 0}, ...]}   (replaces Q's series)
  POST /_fake/clear   forgets every query's series
  POST /_fake/mode    {"mode": "ok"|"503"|"garbage"|"wrong_types"|"error"|"matrix"}
                      503: Prometheus' {"status":"error","errorType":"unavailable"} with 503;
                      garbage: not JSON; wrong_types: numbers where strings go;
                      error: 400 {"status":"error","errorType":"bad_data","error":"..."};
                      matrix: a range-vector result
  GET  /_fake/queries the query strings received, in order

Usage: fake_prometheus.py   Prints "PORTS <api> <control>" on stdout once both ports listen.
"""

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
SERIES = {}      # query -> [{"metric": {...}, "value": "v", "age_seconds": a}]
MODE = ["ok"]
QUERIES = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if self.server.control:
            if url.path == "/_fake/queries":
                with LOCK:
                    return self.reply(200, json.dumps(QUERIES))
            return self.reply(404, "{}")
        if url.path != "/api/v1/query":
            return self.reply(404, "404 page not found\n")
        query = dict(urllib.parse.parse_qsl(url.query)).get("query", "")
        now = time.time()
        with LOCK:
            QUERIES.append(query)
            mode = MODE[0]
            series = [{"metric": s["metric"],
                       "value": [round(now - s.get("age_seconds", 0), 3), s["value"]]}
                      for s in SERIES.get(query, [])]
        if mode == "503":
            return self.reply(503, json.dumps({"status": "error", "errorType": "unavailable",
                                               "error": "Service Unavailable"}))
        if mode == "garbage":
            return self.reply(200, '{"status": "success", "data": {"resu')
        if mode == "wrong_types":
            return self.reply(200, json.dumps({"status": "success", "data": {
                "resultType": "vector", "result": [{"metric": {"node": 5}, "value": 1}]}}))
        if mode == "error":
            return self.reply(400, json.dumps({"status": "error", "errorType": "bad_data",
                                               "error": "invalid parameter \"query\": 1:1: "
                                                        "parse error: unexpected character"}))
        if mode == "matrix":
            return self.reply(200, json.dumps({"status": "success", "data": {
                "resultType": "matrix", "result": []}}))
        self.reply(200, json.dumps({"status": "success",
                                    "data": {"resultType": "vector", "result": series}}))

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        req = json.loads(self.rfile.read(length) or b"{}") if length else {}
        if not self.server.control:
            return self.reply(405, "{}")
        with LOCK:
            if url.path == "/_fake/series":
                SERIES[req["query"]] = req["series"]
            elif url.path == "/_fake/clear":
                SERIES.clear()
            elif url.path == "/_fake/mode":
                MODE[0] = req["mode"]
            else:
                return self.reply(404, "{}")
        self.reply(200, "{}")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, control):
        self.control = control
        super().__init__(("127.0.0.1", 0), Handler)

    def handle_error(self, request, client_address):
        pass


def main():
    api = Server(False)
    control = Server(True)
    for server in (api, control):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("PORTS %d %d" % (api.server_address[1], control.server_address[1]), flush=True)
    threading.Event().wait()  # until SIGTERM


if __name__ == "__main__":
    main()
