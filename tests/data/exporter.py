#!/usr/bin/env python3
"""A metrics endpoint for the metric-check tests (tests/metrics.rs), scraped by a real Prometheus.

Usage: exporter.py PORT CONFIG.json, CONFIG = {"hosts": {"h1": "/state-h1/apps/web", ...}}.
At every scrape, each host's `error_ratio` file (written by its deploy command, or by the test)
becomes `demo_error_ratio{host="h1",version="<its version file>"}`; a file that says `none` (no traffic) or no file at all
emits no series for that host.
"""
import http.server
import json
import os
import sys

port = int(sys.argv[1])
conf = json.load(open(sys.argv[2]))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        lines = ["# HELP demo_error_ratio Errors per request.", "# TYPE demo_error_ratio gauge"]
        for host, d in sorted(conf["hosts"].items()):
            try:
                value = open(os.path.join(d, "error_ratio")).read().strip()
            except OSError:
                continue
            try:
                version = open(os.path.join(d, "version")).read().strip()
            except OSError:
                version = ""
            if value and value != "none":
                lines.append('demo_error_ratio{host="%s",version="%s"} %s' % (host, version, value))
        body = ("\n".join(lines) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
